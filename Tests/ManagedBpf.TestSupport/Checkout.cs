namespace ManagedBpf.TestSupport;

/// <summary>The repository checkout the tests run from, for what is built there rather than copied next to the tests.</summary>
public static class Checkout
{
    /// <summary>The checkout's root: the first directory above the test assembly holding ManagedBpf.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ManagedBpf.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"No checkout root (ManagedBpf.sln) above {AppContext.BaseDirectory}.");
    }
}
