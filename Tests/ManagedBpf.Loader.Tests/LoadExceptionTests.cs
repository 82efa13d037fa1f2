using System.Buffers.Binary;
using ManagedBpf.Programs;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Objects that cannot load fail with an exception <see cref="ObjectSpec.Load"/> documents, and leave no
/// descriptor open: neither after a failed load nor after disposing one that loaded.
/// </summary>
[Collection(DescriptorCounting.Collection)]
public sealed class LoadExceptionTests : IDisposable
{
    private readonly BpfFsDirectory _pins = new();

    public void Dispose() => _pins.Dispose();

    [Fact]
    public void A_program_array_slot_naming_no_program_is_a_format_error_at_parse()
    {
        // The programs' section no longer holds code: the jump_table's slots name functions that are no programs.
        var image = WithSectionHeaderField(Fixtures.Bytes("maps.bpf.o"), "xdp", 4, 0x0fff_fff0);
        var e = Assert.Throws<BpfObjectFormatException>(() => ObjectSpec.Parse(image, "mutant"));
        Assert.Contains("jump_table", e.Message);
        Assert.Contains("not an entry program", e.Message);
    }

    [Fact]
    public void Two_sections_named_data_are_a_format_error_at_parse()
    {
        // .data.custom renamed .data: both would be the map '.data', and one of them unreachable.
        var elf = Fixtures.Elf("globals.bpf.o");
        var image = WithSectionHeaderField(Fixtures.Bytes("globals.bpf.o"), ".data.custom", 0, elf.FindSection(".data")!.NameOffset);
        var e = Assert.Throws<BpfObjectFormatException>(() => ObjectSpec.Parse(image, "mutant"));
        Assert.Contains("Two maps are named '.data'", e.Message);
    }

    [KernelFact]
    public void Two_maps_renamed_to_one_name_fail_before_any_descriptor_opens()
    {
        Warm();
        var baseline = LoadAttempt.Baseline();
        var thrown = LoadAttempt.Run(Fixtures.Bytes("maps.bpf.o"), Options, spec => spec.Map("queue").Spec = spec.Map("queue").Spec with { Name = "stack" });
        Assert.Equal(baseline, LoadAttempt.OpenNow());
        Assert.Contains("Two maps are named 'stack'", Assert.IsType<BpfObjectFormatException>(thrown).Message);
    }

    [KernelFact]
    public void A_map_renamed_before_loading_keeps_its_references()
    {
        var spec = ObjectSpec.Parse(Fixtures.Bytes("maps.bpf.o"), "maps");
        spec.Map("counters").Spec = spec.Map("counters").Spec with { Name = "renamed" };
        spec.Map("inner_a").Spec = spec.Map("inner_a").Spec with { Name = "inner_renamed" }; // an initial value of outer_array
        using var collection = spec.Load(Options);
        Assert.Equal("renamed", collection.Map("renamed").GetInfo().Name);
        Assert.DoesNotContain("counters", collection.Maps.Keys);
    }

    [KernelFact]
    public void A_program_array_slot_naming_a_program_not_loaded_is_a_documented_error_and_leaks_nothing()
    {
        Warm();
        var baseline = LoadAttempt.Baseline();
        var thrown = LoadAttempt.Run(Fixtures.Bytes("maps.bpf.o"), Options, spec => spec.Program("xdp_tail_drop").Autoload = false);
        Assert.Equal(baseline, LoadAttempt.OpenNow());
        var e = Assert.IsType<BpfObjectFormatException>(thrown);
        Assert.Contains("slot 2 names program 'xdp_tail_drop', whose Autoload is off", e.Message);
        Assert.True(LoadAttempt.IsDocumented(e));
    }

    [KernelFact]
    public void Fentry_without_trampolines_is_a_documented_attach_not_supported_error_and_leaks_nothing()
    {
        Warm();
        var baseline = LoadAttempt.Baseline();
        var thrown = LoadAttempt.Run(Fixtures.Bytes("fentry.bpf.o"), Options);
        Assert.Equal(baseline, LoadAttempt.OpenNow());
        // This kernel has no BPF trampolines (see fixtures/README.md); where it has them, fentry loads.
        if (thrown is null)
            return;
        Assert.True(LoadAttempt.IsDocumented(thrown), $"{thrown.GetType().Name} is not documented on ObjectSpec.Load: {thrown.Message}");
        Assert.IsType<BpfAttachNotSupportedException>(thrown);
    }

    [KernelFact]
    public void Loading_and_disposing_every_fixture_leaves_no_descriptor_open()
    {
        Warm();
        foreach (var name in Fixtures.Names)
        {
            var baseline = LoadAttempt.Baseline();
            var thrown = LoadAttempt.Run(Fixtures.Bytes(name), Options);
            Assert.True(baseline == LoadAttempt.OpenNow(), $"{name}: {LoadAttempt.OpenNow() - baseline} descriptors left open ({thrown?.GetType().Name})");
            Assert.True(thrown is null || LoadAttempt.IsDocumented(thrown), $"{name}: {thrown?.GetType().Name} is not documented on ObjectSpec.Load: {thrown?.Message}");
        }
    }

    [Fact]
    public void Opening_a_directory_says_it_is_a_directory()
    {
        var e = Assert.Throws<IOException>(() => ObjectSpec.Open(Fixtures.Directory));
        Assert.Contains("is a directory", e.Message);
    }

    private CollectionOptions Options => new() { PinDirectory = _pins.Path };

    /// <summary>First loads probe features and read kernel BTF once per process: do that before counting.</summary>
    private void Warm() => LoadAttempt.Run(Fixtures.Bytes("maps.bpf.o"), Options);

    /// <summary>The object with one field of <paramref name="section"/>'s header (at <paramref name="field"/>, 4 bytes) set to <paramref name="value"/>.</summary>
    internal static byte[] WithSectionHeaderField(byte[] image, string section, int field, uint value)
    {
        var copy = (byte[])image.Clone();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(copy.AsSpan(0x28));
        var entsize = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(0x3a));
        var index = ElfFile(image).FindSection(section)!.Index;
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(shoff + (index * entsize) + field), value);
        return copy;
    }

    private static Elf.ElfFile ElfFile(byte[] image) => Elf.ElfFile.Parse(image);
}
