using System.Text.Json;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// An object whose program sits in a section no table knows: <c>mbpf load</c> fails as for any bad object
/// instead of loading nothing and succeeding, while <c>mbpf inspect</c> still lists the program.
/// </summary>
public sealed class UnknownSectionTests : IDisposable
{
    private readonly string _object = ProgramObjectImage.Write((".xdp", "xdp_prog"));

    public void Dispose() => File.Delete(_object);

    [Fact]
    public void Load_fails_naming_the_section_and_the_nearest_known_names()
    {
        var (code, output, error) = Mbpf.Run("load", _object);
        Assert.Equal(65, code);
        Assert.Contains("mbpf: bad object: Program 'xdp_prog' is in section '.xdp', which names no program type: did you mean 'xdp'? (nearest known: xdp, xdp.frags, xdp/devmap).", error);
        Assert.Equal("", output);
    }

    [Fact]
    public void Inspect_lists_the_program_as_in_an_unknown_section()
    {
        var (code, output, error) = Mbpf.Run("inspect", _object);
        Assert.True(code == 0, error);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("xdp_prog", StringComparison.Ordinal));
        Assert.Contains(".xdp", line);
        Assert.Contains("unknown section", line);
    }

    [Fact]
    public void Inspect_json_says_the_section_is_not_known()
    {
        var (code, output, error) = Mbpf.Run("inspect", _object, "--json");
        Assert.True(code == 0, error);
        var program = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("programs").EnumerateArray());
        Assert.Equal(".xdp", program.GetProperty("section").GetString());
        Assert.False(program.GetProperty("section_known").GetBoolean());
        Assert.Equal("UNSPEC", program.GetProperty("type").GetString());
    }
}
