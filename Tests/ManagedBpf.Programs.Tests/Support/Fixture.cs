using ManagedBpf.Loader;
using ManagedBpf.Maps;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// fixtures/obj/attach_counters.bpf.o loaded with its filters set: one program per attach kind, each adding
/// 1 to its slot of the <c>counters</c> array when it fires.
/// </summary>
internal sealed class Fixture : IDisposable
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "fixtures", "obj");

    private Fixture(Collection collection) => Collection = collection;

    public Collection Collection { get; }

    public static string PathOf(string name) => Path.Combine(Directory, name + ".bpf.o");

    /// <summary>Loads attach_counters with the tracing programs limited to <paramref name="tgid"/> (0: everyone) and the packet programs to <paramref name="port"/>.</summary>
    public static Fixture Load(int tgid = 0, ushort port = 0)
    {
        var spec = ObjectSpec.Open(PathOf("attach_counters"));
        spec.Variable("target_tgid").Set((uint)tgid);
        spec.Variable("target_port").Set(port);
        return new Fixture(spec.Load());
    }

    public Program this[string program] => Collection.Program(program);

    /// <summary>The slot's count.</summary>
    public ulong Count(Slot slot)
    {
        var value = new byte[8];
        Assert.True(Collection.Map("counters").TryLookup(BitConverter.GetBytes((uint)slot), value));
        return BitConverter.ToUInt64(value);
    }

    /// <summary>Polls until the slot reaches <paramref name="atLeast"/> (for events the test does not cause itself).</summary>
    public ulong WaitFor(Slot slot, ulong atLeast, int milliseconds = 5000)
    {
        var deadline = Environment.TickCount64 + milliseconds;
        ulong count;
        while ((count = Count(slot)) < atLeast && Environment.TickCount64 < deadline)
            Thread.Sleep(10);
        return count;
    }

    /// <summary>
    /// The slot's count once packets already sent have been processed: a veth delivers to its peer through the
    /// receive backlog or NAPI, which softirq context runs after sendto returns (on a busy machine, ksoftirqd may run
    /// it much later). Waits for the count to reach <paramref name="expected"/> (bounded), then a little longer, so
    /// that a count above it shows too.
    /// </summary>
    public ulong CountWhenQuiet(Slot slot, ulong expected)
    {
        WaitFor(slot, expected, milliseconds: 30_000);
        Thread.Sleep(50);
        return Count(slot);
    }

    /// <summary>The requests auto-attach gets for every loaded program, as the Loader's Collection wrapper builds them.</summary>
    public IEnumerable<AutoAttachRequest> AutoAttachRequests() => Collection.Spec.Programs
        .Where(p => Collection.Programs.ContainsKey(p.Name))
        .Select(p => new AutoAttachRequest(Collection.Program(p.Name), p.Section?.Kind, p.Section?.AttachTarget));

    public void Dispose() => Collection.Dispose();
}

/// <summary>The slots of attach_counters.bpf.c's <c>enum slot</c>.</summary>
internal enum Slot : uint
{
    Tracepoint,
    RawTracepoint,
    TpBtf,
    Uprobe,
    Uretprobe,
    LibcUprobe,
    PerfEvent,
    Socket,
    Xdp,
    TcIngress,
    TcEgress,
    CgroupSkb,
    CgroupSock,
}
