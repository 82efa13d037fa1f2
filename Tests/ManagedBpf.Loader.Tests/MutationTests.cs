using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Mutation properties: whatever is done to a fixture's bytes, the readers either succeed or throw
/// <see cref="BpfObjectFormatException"/> — never IndexOutOfRange, Overflow, Argument, OutOfMemory, or a hang.
/// A counterexample fails the test (QuickThrowOnFailure), and FsCheck shrinks it first.
/// </summary>
public sealed class MutationTests
{
    private static readonly string[] Names = [.. Fixtures.Names];
    private static readonly Dictionary<string, byte[]> Images = Names.ToDictionary(n => n, Fixtures.Bytes);

    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(400);

    /// <summary>A fixture and bit flips at (position, bit); positions are scaled to the target region when applied.</summary>
    private static Gen<(string Name, (int Position, int Bit)[] Flips)> Flips(int maxFlips) =>
        from name in Gen.Elements(Names)
        from count in Gen.Choose(1, maxFlips)
        from flips in Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(0, 7)).ArrayOf(count)
        select (name, flips);

    [Fact]
    public void BitFlipsAnywhereInAnObjectOnlyEverCauseFormatErrors() =>
        Check.One(Config, Prop.ForAll(Arb.From(Flips(8)), c =>
        {
            var image = (byte[])Images[c.Name].Clone();
            foreach (var (position, bit) in c.Flips)
            {
                image[position % image.Length] ^= (byte)(1 << bit);
            }

            ReadOnlyFormatErrors(() => ObjectWalker.ReadEverything(image));
        }));

    [Fact]
    public void BitFlipsInTheElfHeaderAndSectionTableOnlyEverCauseFormatErrors() =>
        Check.One(Config, Prop.ForAll(Arb.From(Flips(4)), c =>
        {
            var image = (byte[])Images[c.Name].Clone();
            var shoff = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40));
            foreach (var (position, bit) in c.Flips)
            {
                // Half the flips hit the 64-byte file header, half the section header table.
                var at = position % 2 == 0 ? position / 2 % 64 : shoff + (position / 2 % (image.Length - shoff));
                image[at] ^= (byte)(1 << bit);
            }

            ReadOnlyFormatErrors(() => ObjectWalker.ReadEverything(image));
        }));

    [Fact]
    public void BitFlipsInBtfAndBtfExtOnlyEverCauseFormatErrors() =>
        Check.One(Config, Prop.ForAll(Arb.From(Flips(6)), c =>
        {
            var elf = Fixtures.Elf(c.Name);
            var btf = elf.GetSectionData(elf.FindSection(".BTF")!).ToArray();
            var ext = elf.GetSectionData(elf.FindSection(".BTF.ext")!).ToArray();
            foreach (var (position, bit) in c.Flips)
            {
                var target = position % 2 == 0 ? btf : ext;
                target[position / 2 % target.Length] ^= (byte)(1 << bit);
            }

            ReadOnlyFormatErrors(() =>
            {
                var spec = BtfSpec.Parse(btf);
                ObjectWalker.WalkBtf(spec);
                _ = BtfExt.Parse(ext, spec);
            });
        }));

    [Fact]
    public void TruncatedOrExtendedBtfOnlyEverCausesFormatErrors() =>
        Check.One(Config, Prop.ForAll(Arb.From(Gen.Elements(Names).Zip(Gen.Choose(-64, 4096))), c =>
        {
            var elf = Fixtures.Elf(c.Item1);
            var btf = elf.GetSectionData(elf.FindSection(".BTF")!).ToArray();
            var length = Math.Clamp(btf.Length - c.Item2, 0, btf.Length + 64);
            var mutated = new byte[length];
            btf.AsSpan(0, Math.Min(length, btf.Length)).CopyTo(mutated);

            ReadOnlyFormatErrors(() => ObjectWalker.WalkBtf(BtfSpec.Parse(mutated)));
        }));

    [Fact]
    public void RandomWordsInTheBtfTypeSectionOnlyEverCauseFormatErrors() =>
        // Overwrite aligned 32-bit words (ids, counts, offsets, info) with boundary values, which bit flips rarely reach.
        Check.One(Config, Prop.ForAll(
            Arb.From(
                from name in Gen.Elements(Names)
                from writes in Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Elements(0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0x0400ffffu, 0x8400ffffu, 0x13000001u, 0xffffu)).ArrayOf(3)
                select (name, writes)),
            c =>
            {
                var elf = Fixtures.Elf(c.name);
                var btf = elf.GetSectionData(elf.FindSection(".BTF")!).ToArray();
                foreach (var (position, value) in c.writes)
                {
                    var at = position % (btf.Length / 4) * 4;
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(btf.AsSpan(at), value);
                }

                ReadOnlyFormatErrors(() => ObjectWalker.WalkBtf(BtfSpec.Parse(btf)));
            }));

    private static void ReadOnlyFormatErrors(Action read)
    {
        try
        {
            read();
        }
        catch (BpfObjectFormatException)
        {
        }
    }
}
