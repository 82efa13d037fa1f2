using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Tests;

/// <summary>The compiled fixture objects (fixtures/obj), copied to the test output directory.</summary>
internal static class Fixtures
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "fixtures", "obj");

    public static IEnumerable<string> Names =>
        System.IO.Directory.GetFiles(Directory, "*.bpf.o").Select(Path.GetFileName).Order()!;

    /// <summary>Every fixture, for [Theory] [MemberData].</summary>
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Names)
            {
                data.Add(name!);
            }

            return data;
        }
    }

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static ElfFile Elf(string name) => ElfFile.Parse(Bytes(name));

    public static (ElfFile Elf, BtfSpec Btf, BtfExt Ext) Open(string name)
    {
        var elf = Elf(name);
        var btf = BtfSpec.Parse(elf.GetSectionData(elf.FindSection(".BTF")!));
        var ext = BtfExt.Parse(elf.GetSectionData(elf.FindSection(".BTF.ext")!), btf);
        return (elf, btf, ext);
    }
}
