using ManagedBpf.TestSupport;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// The uprobe offset lookup against binutils: for the helper executable (.symtab) and libc (.dynsym with
/// versions), the offset must be what readelf's symbol value and program headers give by libbpf's rule.
/// The uprobe tests show the same offsets firing in the kernel.
/// </summary>
public sealed class ElfSymbolOffsetsTests
{
    private static readonly string Libc = UprobeBinary.ResolvePath("libc.so.6");

    [Fact]
    public void The_helpers_function_is_found_at_the_offset_readelf_implies()
    {
        Assert.Equal(ReadelfOffset(ProbeHelper.BinaryPath, "managedbpf_probe_target"), ElfSymbolOffsets.FindFunctionOffset(ProbeHelper.BinaryPath, "managedbpf_probe_target"));
    }

    [Theory]
    [InlineData("getppid")]
    [InlineData("malloc")]
    [InlineData("nanosleep")]
    public void Libc_functions_are_found_in_dynsym_with_and_without_their_version(string name)
    {
        var expected = ReadelfOffset(Libc, name);
        Assert.Equal(expected, ElfSymbolOffsets.FindFunctionOffset(Libc, name));
        Assert.Equal(expected, ElfSymbolOffsets.FindFunctionOffset(Libc, name + "@@GLIBC_2.2.5"));
        Assert.Equal(expected, ElfSymbolOffsets.FindFunctionOffset(Libc, name + "@GLIBC_2.2.5"));
    }

    [Fact]
    public void A_version_the_symbol_does_not_have_matches_nothing()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => ElfSymbolOffsets.FindFunctionOffset(Libc, "getppid@@GLIBC_9.9"));
        Assert.Contains("getppid@@GLIBC_9.9", e.Message);
    }

    [Fact]
    public void A_name_is_not_a_prefix_match()
    {
        // "getpp" must not match "getppid".
        Assert.Throws<KeyNotFoundException>(() => ElfSymbolOffsets.FindFunctionOffset(Libc, "getpp"));
    }

    [Fact]
    public void An_ifunc_is_refused_with_the_reason()
    {
        // strlen has only its IFUNC in glibc's .dynsym (memcpy would match its FUNC compat version, memcpy@GLIBC_2.2.5, as in libbpf).
        var e = Assert.Throws<KeyNotFoundException>(() => ElfSymbolOffsets.FindFunctionOffset(Libc, "strlen"));
        Assert.Contains("IFUNC", e.Message);
    }

    [Fact]
    public void An_import_is_refused_with_the_reason()
    {
        // The helper calls getppid but does not define it: its .dynsym entry is undefined.
        var e = Assert.Throws<KeyNotFoundException>(() => ElfSymbolOffsets.FindFunctionOffset(ProbeHelper.BinaryPath, "getppid"));
        Assert.Contains("only imported", e.Message);
    }

    [Fact]
    public void Bare_library_names_are_found_on_the_library_path_and_executables_on_PATH()
    {
        Assert.True(File.Exists(Libc));
        Assert.StartsWith("/", UprobeBinary.ResolvePath("gcc"));
        Assert.Equal("/proc/self/exe", UprobeBinary.ResolvePath("/proc/self/exe"));
    }

    /// <summary>libbpf's rule computed from readelf's output: st_value - p_vaddr + p_offset of the PT_LOAD segment that maps it.</summary>
    private static ulong ReadelfOffset(string binary, string name)
    {
        var symbols = ExternalTool.Run("readelf", "-sW", "--dyn-syms", binary);
        var value = symbols.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 8 && f[3] == "FUNC" && f[6] != "UND" && (f[7] == name || f[7].StartsWith(name + "@", StringComparison.Ordinal)))
            .Select(f => ulong.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .First();
        foreach (var line in ExternalTool.Run("readelf", "-lW", binary).Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || f[0] != "LOAD")
                continue;
            var (offset, vaddr, size) = (Hex(f[1]), Hex(f[2]), Hex(f[4]));
            if (value >= vaddr && value < vaddr + size)
                return value - vaddr + offset;
        }
        throw new InvalidOperationException($"no LOAD segment maps {name}");
    }

    private static ulong Hex(string text) => ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
