using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

/// <summary>Small hand-built BTF blobs: a string table plus types, encoded with <see cref="BtfWriter"/>.</summary>
internal static class TestBtf
{
    /// <summary>"int" at 1, "s" at 5, "a" at 7, "b" at 9.</summary>
    public static readonly byte[] Strings = TestElfBuilder.StringTable("int", "s", "a", "b").Table;

    public const uint Int = 1, S = 5, A = 7, B = 9;

    /// <summary>[1] int, [2] struct s { int a; int b; }, [3] const struct s, [4] pointer to [3].</summary>
    public static byte[] Small() => BtfWriter.Write(
        [
            new BtfInt(Int, 4, BtfIntEncoding.SIGNED, 0, 32),
            new BtfStruct(S, 8, [new BtfMember(A, 1, 0), new BtfMember(B, 1, 32)]),
            new BtfConst(2),
            new BtfPtr(3),
        ],
        Strings);

    /// <summary>Offset of type record <paramref name="index"/> (0-based) of <see cref="Small"/> inside the blob.</summary>
    public static int SmallTypeOffset(int index) => BtfHeader.Size + new[] { 0, 16, 52, 64 }[index];

    public static byte[] Blob(params BtfType[] types) => BtfWriter.Write(types, Strings);
}
