using System.Globalization;
using System.Text.RegularExpressions;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Loader.Usdt;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>
/// Real notes against binutils: the helper built with sys/sdt.h (a PIE whose .probes lies at a different file offset
/// than address), and the system libraries that carry probes (libstdc++'s libstdcxx:*, libpython's python:*, with
/// semaphores). Notes must read as <c>readelf -n</c> prints them, and file offsets must agree with what <c>readelf -S</c>'s
/// section table implies, a route through sections rather than the segments the finder uses.
/// </summary>
public sealed partial class UsdtReadelfTests
{
    public static TheoryData<string> Binaries()
    {
        var data = new TheoryData<string> { "helper" };
        // Found on the library path as libbpf finds them; a system without them tests the helper alone.
        foreach (var library in new[] { "libstdc++.so.6", "libpython3.11.so.1.0" })
        {
            try
            {
                data.Add(Programs.UprobeBinary.ResolvePath(library));
            }
            catch (FileNotFoundException)
            {
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void Notes_and_offsets_are_what_readelf_says(string binary)
    {
        var path = binary == "helper" ? ProbeHelper.BinaryPath : binary;
        var elf = ElfFile.Parse(File.ReadAllBytes(path));
        var expected = NoteLine().Matches(ExternalTool.Run("readelf", "-n", "--wide", path))
            .Select(m => new UsdtNote(m.Groups["p"].Value, m.Groups["n"].Value, m.Groups["a"].Value.Trim(), Hex(m, "l"), Hex(m, "b"), Hex(m, "s"), 0))
            .ToList();

        var notes = UsdtNotes.Read(elf);

        Assert.NotEmpty(expected);
        Assert.Equal(expected, notes.Select(n => n with { NoteOffset = 0 }));
        var sections = SectionLine().Matches(ExternalTool.Run("readelf", "-S", "-W", path))
            .Select(m => (Address: Hex(m, "addr"), Offset: Hex(m, "off"), Size: Hex(m, "size"))).Where(s => s.Address != 0).ToList();
        ulong FileOffset(ulong address)
        {
            var section = sections.Single(s => address >= s.Address && address < s.Address + s.Size);
            return address - section.Address + section.Offset;
        }

        foreach (var probe in notes.Select(n => (n.Provider, n.Name)).Distinct())
        {
            foreach (var site in UsdtTargets.Find(elf, probe.Provider, probe.Name, path))
            {
                Assert.Equal(FileOffset(site.Note.Location), site.FileOffset);
                Assert.Equal(site.Note.Semaphore == 0 ? 0 : FileOffset(site.Note.Semaphore), site.SemaphoreOffset);
            }
        }
    }

    [Fact]
    public void The_helpers_probe_has_every_argument_kind_and_a_semaphore_elsewhere_in_the_file_than_in_memory()
    {
        var elf = ElfFile.Parse(File.ReadAllBytes(ProbeHelper.BinaryPath));
        var sites = UsdtTargets.Find(elf, "managedbpf", "args", ProbeHelper.BinaryPath);
        Assert.Equal(2, sites.Count);
        Assert.Equal(ElfType.DYN, elf.Header.Type);
        foreach (var site in sites)
        {
            Assert.Equal([1, 2, 4, 8, 4, 8], site.Arguments.Select(a => a.Size));
            Assert.Equal([true, false, true, true, true, false], site.Arguments.Select(a => a.Signed));
            Assert.Contains(site.Arguments, a => a.Kind == UsdtArgumentKind.Constant && a.ValueOffset == -42);
            Assert.Contains(site.Arguments, a => a.Kind == UsdtArgumentKind.RegisterDereference);
            Assert.Contains(site.Arguments, a => a.Kind == UsdtArgumentKind.Register);
            Assert.NotEqual(0ul, site.SemaphoreOffset);
            Assert.NotEqual(site.Note.Semaphore, site.SemaphoreOffset);
        }
    }

    private static ulong Hex(Match m, string group) => ulong.Parse(m.Groups[group].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Provider: (?<p>\S*)\s+Name: (?<n>\S+)\s+Location: 0x(?<l>[0-9a-f]+), Base: 0x(?<b>[0-9a-f]+), Semaphore: 0x(?<s>[0-9a-f]+)\s*\n(\s*Arguments: (?<a>[^\n]*))?")]
    private static partial Regex NoteLine();

    [GeneratedRegex(@"^\s*\[\s*\d+\]\s+\S+\s+\S+\s+(?<addr>[0-9a-f]{16})\s+(?<off>[0-9a-f]+)\s+(?<size>[0-9a-f]+)", RegexOptions.Multiline)]
    private static partial Regex SectionLine();
}
