namespace ManagedBpf.Cli.Tests;

/// <summary>
/// What a user other than root needs to run the tool from a test: a home the dotnet host can write its first-run
/// files in, and a copy of the tool it can read wherever the checkout is (a CI clone may sit in a directory only root
/// can enter).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class UnprivilegedHome : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("mbpf-nobody-");

    public UnprivilegedHome()
    {
        File.SetUnixFileMode(_home.FullName, (UnixFileMode)0x1FF); // 0777
        ToolDirectory = _home.CreateSubdirectory("tool").FullName;
        File.SetUnixFileMode(ToolDirectory, (UnixFileMode)0x1ED); // 0755
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory).Where(f => Path.GetFileName(f).StartsWith("mbpf.", StringComparison.Ordinal) || f.EndsWith(".dll", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(ToolDirectory, Path.GetFileName(file)));
    }

    /// <summary>The home directory (mode 0777).</summary>
    public string HomeDirectory => _home.FullName;

    /// <summary>The copy of the tool (mode 0755): <c>mbpf.dll</c> and its assemblies.</summary>
    public string ToolDirectory { get; }

    /// <summary>The copied <c>mbpf.dll</c>, to run with <c>dotnet</c>.</summary>
    public string Tool => Path.Combine(ToolDirectory, "mbpf.dll");

    public void Dispose() => _home.Delete(recursive: true);
}
