using System.Buffers.Binary;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.Maps;
using ManagedBpf.Programs;
using ManagedBpf.TestSupport;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>
/// A <see cref="UserRingBuffer"/> drained by a real program: a SYSCALL program calling <c>bpf_user_ringbuf_drain</c>
/// with a callback that sums the first u64 of each sample into an array map.
/// </summary>
public sealed class UserRingBufferKernelTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [KernelFact]
    public void The_program_drains_what_was_submitted_and_skips_what_was_discarded()
    {
        using var fixture = new Fixture(4096);
        var ring = fixture.Ring;
        ulong expected = 0;
        for (ulong value = 1; value <= 10; value++)
        {
            Assert.True(ring.TryReserve(8 + (int)value, out var reservation));
            BinaryPrimitives.WriteUInt64LittleEndian(reservation.Span, value);
            reservation.Span[8..].Fill(0xCC);
            if (value % 3 == 0)
            {
                reservation.Discard();
            }
            else
            {
                reservation.Submit();
                expected += value;
            }
        }

        var (sum, drained) = fixture.Drain();
        Assert.Equal(expected, sum);
        Assert.Equal(7, drained); // bpf_user_ringbuf_drain returns the samples handed over, not the discarded ones
        Assert.Equal(ring.ProducerPosition, ring.ConsumerPosition);
        Assert.Equal(ring.Size, ring.FreeBytes);
    }

    [KernelFact]
    public void A_busy_record_holds_back_the_records_after_it_until_it_is_submitted()
    {
        using var fixture = new Fixture(4096);
        var ring = fixture.Ring;
        Assert.True(ring.TryReserve(8, out var first));
        Assert.True(ring.TryWrite(BitConverter.GetBytes(20UL)));
        Assert.Equal((0UL, 0L), fixture.Drain());

        BinaryPrimitives.WriteUInt64LittleEndian(first.Span, 1);
        first.Submit();
        Assert.Equal((21UL, 2L), fixture.Drain());
        var twice = false;
        try
        {
            first.Submit();
        }
        catch (InvalidOperationException e) when (e.Message.Contains("already submitted or discarded", StringComparison.Ordinal))
        {
            twice = true;
        }
        Assert.True(twice);
    }

    [KernelFact]
    public void Records_wrap_around_the_ring_intact()
    {
        using var fixture = new Fixture(4096);
        var ring = fixture.Ring;
        ulong total = 0;
        for (var round = 0; round < 50; round++)
        {
            ulong expected = 0;
            for (var i = 0; i < 9; i++) // 9 × 360 bytes: most of the ring, so records straddle its end
            {
                var value = (ulong)(round * 100 + i);
                var record = new byte[352];
                BinaryPrimitives.WriteUInt64LittleEndian(record, value);
                Assert.True(ring.TryWrite(record));
                expected += value;
            }
            Assert.Equal((expected, 9L), fixture.Drain());
            total += 9 * 360;
        }
        Assert.Equal(total, ring.ConsumerPosition);
    }

    [KernelFact]
    public void A_record_that_can_never_fit_is_refused_with_the_rule()
    {
        using var fixture = new Fixture(4096);
        Assert.Equal(4088, fixture.Ring.MaxRecordSize);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Ring.TryReserve(4089, out _));
        Assert.Contains("round_up(size + 8, 8)", e.Message);
        Assert.Contains("0 to 4088 bytes", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Ring.TryReserve(-1, out _));
        Assert.True(fixture.Ring.TryReserve(4088, out var whole)); // exactly the ring
        whole.Submit();
        Assert.Equal(1L, fixture.Drain().Drained);
    }

    [KernelFact]
    public void A_full_ring_says_no_times_out_and_a_blocked_reserve_resumes_when_the_program_drains()
    {
        using var fixture = new Fixture(4096);
        var ring = fixture.Ring;
        var written = 0;
        while (ring.TryWrite(BitConverter.GetBytes(1UL)))
            written++;
        Assert.Equal(4096 / 16, written); // a user ring buffer can be filled to the last byte
        Assert.Equal(0ul, ring.FreeBytes);

        var e = Assert.Throws<TimeoutException>(() => ring.Write(new byte[8], 100));
        Assert.Contains("0 bytes are free", e.Message);

        var blocked = new BlockingCall<bool>(() =>
        {
            ring.Write(BitConverter.GetBytes(5UL), -1);
            return true;
        });
        blocked.WaitUntilBlockedInEpollAsync().GetAwaiter().GetResult();
        Assert.Equal(((ulong)written, (long)written), fixture.Drain()); // the drain's wakeup raises EPOLLOUT
        Assert.True(blocked.Completion.Wait(Patience));
        Assert.Equal((5UL, 1L), fixture.Drain());
    }

    [KernelFact]
    public void Several_threads_can_produce_at_once()
    {
        using var fixture = new Fixture(64 * 1024);
        var ring = fixture.Ring;
        const int Threads = 4, PerThread = 2000;
        var producers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < PerThread; i++)
                ring.Write(BitConverter.GetBytes((ulong)(t * PerThread + i)), 10_000);
        }, TaskCreationOptions.LongRunning)).ToArray();

        ulong sum = 0;
        long drained = 0;
        while (drained < Threads * PerThread)
        {
            var (s, n) = fixture.Drain();
            (sum, drained) = (sum + s, drained + n);
            Assert.True(n >= 0, $"bpf_user_ringbuf_drain failed with {n}");
            if (n == 0)
                Thread.Sleep(1);
        }
        Assert.True(Task.WaitAll(producers, Patience));
        const ulong Count = Threads * PerThread;
        Assert.Equal(Count * (Count - 1) / 2, sum);
    }

    [KernelFact]
    public void Disposing_wakes_a_writer_blocked_on_a_full_ring()
    {
        using var map = UserRingBuffer(4096);
        var ring = new UserRingBuffer(map);
        while (ring.TryWrite(new byte[8]))
        {
        }
        var blocked = new BlockingCall<bool>(() =>
        {
            ring.Write(new byte[8]);
            return true;
        });
        blocked.WaitUntilBlockedInEpollAsync().GetAwaiter().GetResult();
        ring.Dispose();
        Assert.True(((IAsyncResult)blocked.Completion).AsyncWaitHandle.WaitOne(Patience));
        Assert.IsType<ObjectDisposedException>(blocked.Completion.Exception?.InnerException);
        Assert.Throws<ObjectDisposedException>(() => ring.TryWrite(new byte[8]));
    }

    [KernelFact]
    public void Opens_from_a_descriptor_and_from_a_pin_and_refuses_a_kernel_ring_buffer()
    {
        using var map = UserRingBuffer(8192);
        using (var byFd = new UserRingBuffer(map.Handle))
            Assert.Equal(8192ul, byFd.Size);
        using var pins = new BpfFsDirectory();
        map.Pin(pins["user"]);
        using (var pinned = Buffers.Ring.UserRingBuffer.OpenPinned(pins["user"]))
            Assert.Equal(map.Name, pinned.Name);
        using var kernelRing = RingBuffer(4096);
        Assert.Contains("USER_RINGBUF", Assert.Throws<ArgumentException>(() => new UserRingBuffer(kernelRing)).Message);
    }

    /// <summary>A user ring buffer, the result array and the draining program.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly Map _map;
        private readonly Map _result;
        private readonly Program _drain;

        public Fixture(ulong size)
        {
            _map = UserRingBuffer(size);
            _result = KernelObjects.Array(16, "drained");
            _drain = Producers.UserRingDrain(_map, _result);
            Ring = new UserRingBuffer(_map);
        }

        public UserRingBuffer Ring { get; }

        /// <summary>Runs the program once: the sum of the first u64s and what bpf_user_ringbuf_drain returned.</summary>
        public (ulong Sum, long Drained) Drain()
        {
            Assert.Equal(0, _drain.Run(new byte[8]));
            var value = _result.Value();
            return (BinaryPrimitives.ReadUInt64LittleEndian(value), BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(8)));
        }

        public void Dispose()
        {
            Ring.Dispose();
            _drain.Dispose();
            _result.Dispose();
            _map.Dispose();
        }
    }
}
