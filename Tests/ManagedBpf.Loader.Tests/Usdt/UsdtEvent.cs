using System.Buffers.Binary;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Maps;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>usdt_events.bpf.c's <c>struct usdt_event</c> (168 bytes), and what the helper's probe should make of it.</summary>
internal sealed record UsdtEvent(ulong Cookie, uint Pid, uint Program, int ArgCount, long[] Args, int[] Errors)
{
    public const uint ArgsProgram = 1, AutoProgram = 2;

    private const int ENOENT = 2;

    public static UsdtEvent Parse(ReadOnlySpan<byte> r)
    {
        Assert.Equal(168, r.Length);
        var args = new long[12];
        var errors = new int[12];
        for (var i = 0; i < 12; i++)
        {
            args[i] = BinaryPrimitives.ReadInt64LittleEndian(r[(24 + (8 * i))..]);
            errors[i] = BinaryPrimitives.ReadInt32LittleEndian(r[(120 + (4 * i))..]);
        }

        return new(
            BinaryPrimitives.ReadUInt64LittleEndian(r), BinaryPrimitives.ReadUInt32LittleEndian(r[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(r[12..]), BinaryPrimitives.ReadInt32LittleEndian(r[16..]), args, errors);
    }

    /// <summary>Everything the ring holds now.</summary>
    public static List<UsdtEvent> Drain(Map events)
    {
        var list = new List<UsdtEvent>();
        using var ring = new RingBuffer(events);
        ring.Consume(payload => list.Add(Parse(payload)));
        return list;
    }

    /// <summary>probe_helper.c's managedbpf:args for value v: six arguments of sizes 1, 2, 4, 8, 4, 8 read from registers, the stack and an immediate.</summary>
    public static long[] Expected(long v) =>
        [-v, 60000 + v, -100000 * v, 0x123456789 + v, -42, unchecked((long)(0xfedcba9876543210UL ^ (ulong)v)), 0, 0, 0, 0, 0, 0];

    /// <summary>The event iteration <paramref name="v"/> of <c>usdt N</c> must produce.</summary>
    public void AssertIs(long v, int pid, ulong cookie, uint program)
    {
        Assert.Equal((cookie, (uint)pid, program, 6), (Cookie, Pid, Program, ArgCount));
        Assert.Equal(Expected(v), Args);
        Assert.Equal([0, 0, 0, 0, 0, 0, -ENOENT, -ENOENT, -ENOENT, -ENOENT, -ENOENT, -ENOENT], Errors);
    }
}
