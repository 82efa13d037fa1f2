using System.Buffers;
using System.Runtime.CompilerServices;

namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// Reads one CPU's perf ring through a <see cref="PerfBufferView"/>: acquire-load <c>data_head</c>, walk the batch
/// from <c>data_tail</c>, deliver, release-store <c>data_tail</c> once. Allocates nothing per record.
/// </summary>
/// <remarks>
/// <para>
/// Before delivering anything, the whole batch is walked from tail to head and every header is validated (size at
/// least 8, a multiple of 8, within the head, a kernel record type, and for a sample
/// <c>header.size == prefix + raw size</c>). This is the guard against the 64 KiB problem: <c>header.size</c> is a
/// u16, so a sample of 64 KiB or more carries its size modulo 65,536. The kernel then reserves only that truncated
/// size but writes the whole sample, spilling past the reservation and, on a small ring, over the oldest unread
/// records. Such a sample is recognised by <c>header.size == (prefix + raw) mod 65536</c>: it is never delivered,
/// it is reported (<see cref="PerfCorruptionKind.OversizedSample"/>) and skipped by <c>header.size</c>, where the
/// next record starts intact; and every unread record its spill can reach (positions below its position plus its
/// true size minus the ring size) is reported (<see cref="PerfCorruptionKind.SpillDamage"/>) and not delivered.
/// A header no kernel would write drops the rest of the batch (<see cref="PerfCorruptionKind.ImpossibleHeader"/>),
/// unless an oversized sample further on explains it (below). Later batches are read normally.
/// </para>
/// <para>
/// What an oversized sample leaves, by its true size T (measured on 6.18; X is its position, R the ring's size):
/// the spill reaches the unread records from the tail on when X - tail &gt; R - T, and those records then usually
/// read as impossible headers (payload bytes). When T &lt;= R the sample's own header survives behind that damage:
/// walk 1 then looks past the impossible header for an oversized header whose spill reaches it and whose records
/// lead exactly to <c>data_head</c>, reports everything before it as <see cref="PerfCorruptionKind.SpillDamage"/>,
/// names the sample and delivers what follows. When T &gt; R the spill overwrote the sample's own header as well:
/// nothing names it and the batch is dropped from the damage on. With <c>PERF_SAMPLE_RAW</c>, payloads of
/// 65,517..65,524 bytes make T 65,536 and <c>header.size</c> 0: the kernel reserves nothing, the next record
/// overwrites the unpublished header, and only the spill can show. Payloads of 65,525..65,532 make
/// <c>header.size</c> 8, shorter than the prefix: an oversized sample whose raw size the next record overwrote
/// (reported with an unknown true size, skipped by its 8 bytes). From 65,533 bytes on the raw size is inside the
/// record and the true size is known.
/// </para>
/// <para>
/// Every byte the tail moves over is delivered, part of a lost or skipped record, or counted in
/// <see cref="PerfReadResult.CorruptedBytes"/> and in exactly one report's <see cref="PerfCorruption.ByteCount"/>.
/// </para>
/// <para>
/// Records are delivered in order; reports come at the position they are about. A record counts as consumed once it
/// has been handed to the handler (also when the handler returns <see langword="false"/> or throws).
/// </para>
/// </remarks>
public static class PerfConsumer
{
    /// <summary>Reads everything between <c>data_tail</c> and <c>data_head</c> (or until the handler stops).</summary>
    /// <typeparam name="THandler">A struct handler; the reader is specialized for it.</typeparam>
    /// <param name="buffer">The ring's memory.</param>
    /// <param name="cpu">The CPU the ring belongs to, passed on to the handler and reports.</param>
    /// <param name="layout">The events' sample layout.</param>
    /// <param name="handler">Receives samples, lost counts and reports; passed by reference so its state survives.</param>
    /// <returns>The counters of this read.</returns>
    public static PerfReadResult Read<THandler>(in PerfBufferView buffer, int cpu, PerfSampleLayout layout, ref THandler handler)
        where THandler : struct, IPerfRecordHandler
    {
        if (buffer.IsDefault)
            throw new ArgumentException("The perf buffer view describes no memory.", nameof(buffer));
        var validated = default(PerfValidatedRange);
        return Read(in buffer, cpu, layout, ref handler, ref validated);
    }

    /// <summary>
    /// As <see cref="Read{THandler}(in PerfBufferView, int, PerfSampleLayout, ref THandler)"/>, remembering in
    /// <paramref name="validated"/> how far the records were found valid with no spill: a reader that stops part way
    /// (a stream's batch is full) does not validate the rest again on its next read, only what was written since.
    /// </summary>
    internal static PerfReadResult Read<THandler>(in PerfBufferView buffer, int cpu, PerfSampleLayout layout, ref THandler handler, ref PerfValidatedRange validated)
        where THandler : struct, IPerfRecordHandler
    {
        // An empty ring returns here, before ReadBatch's large frame is set up (a perf buffer reads every CPU's ring).
        var head = buffer.LoadDataHead();
        var tail = buffer.LoadDataTail();
        if (head == tail)
            return default;
        var available = head - tail;
        if (available > buffer.DataSize || ((head | tail) & (PerfEventAbi.RecordAlignment - 1)) != 0)
            return SkipImpossiblePositions(in buffer, cpu, tail, head, ref handler);

        // One well-formed sample and nothing else, what a wakeup per sample finds at a low event rate: a sample that is
        // not oversized spills onto nothing, so it needs neither of ReadBatch's walks. (PerfRecordCheck.Of bounds its
        // size by what was published, and ReadBatch has the same verdict on it.)
        var record = PerfRecordCheck.Of(in buffer, tail, available, layout);
        if (record.Class == PerfRecordClass.Sample && record.Header.Size == available)
            return ReadLoneSample(in buffer, cpu, tail, in record, layout, ref handler);

        return ReadBatch(in buffer, cpu, layout, ref handler, ref validated, tail, head);
    }

    /// <summary>
    /// <c>data_tail</c> and <c>data_head</c> no ring could hold (more than its size apart, or misaligned): nothing between
    /// them can be trusted, so all of it is reported and skipped.
    /// </summary>
    private static PerfReadResult SkipImpossiblePositions<THandler>(in PerfBufferView buffer, int cpu, ulong tail, ulong head, ref THandler handler)
        where THandler : struct, IPerfRecordHandler
    {
        var ringSize = buffer.DataSize;
        var counters = default(PerfReadCounters);
        counters.PositionErrors = 1;
        counters.CorruptedBytes = PerfCorruption.SkippedBytes(ringSize, tail, head);
        buffer.StoreDataTail(head);
        handler.OnCorruption(PerfCorruption.Positions(cpu, ringSize, tail, head));
        return new PerfReadResult(counters, head - tail, stopped: false);
    }

    /// <summary>Delivers the batch's only record, a well-formed sample, and consumes it (also when the handler throws).</summary>
    private static PerfReadResult ReadLoneSample<THandler>(in PerfBufferView buffer, int cpu, ulong tail, in PerfRecordCheck record, PerfSampleLayout layout, ref THandler handler)
        where THandler : struct, IPerfRecordHandler
    {
        var counters = default(PerfReadCounters);
        counters.Samples = 1;
        counters.SampleBytes = record.RawSize;
        bool stopped;
        try
        {
            stopped = !handler.OnSample(SampleAt(in buffer, cpu, tail, record.RawSize, layout));
        }
        finally
        {
            buffer.StoreDataTail(tail + record.Header.Size);
        }

        return new PerfReadResult(counters, record.Header.Size, stopped);
    }

    /// <summary>Reads everything between <c>data_tail</c> and <c>data_head</c>, delivering each sample as one span.</summary>
    /// <param name="buffer">The ring's memory.</param>
    /// <param name="cpu">The CPU the ring belongs to.</param>
    /// <param name="layout">The events' sample layout.</param>
    /// <param name="onSample">Receives each sample; a wrapped body is first copied into a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</param>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/> to rely on the returned counters.</param>
    /// <param name="onCorruption">Receives reports, or <see langword="null"/> to rely on the returned counters.</param>
    /// <returns>The counters of this read.</returns>
    public static PerfReadResult Read(
        in PerfBufferView buffer, int cpu, PerfSampleLayout layout,
        PerfSampleCallback onSample, PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null)
    {
        ArgumentNullException.ThrowIfNull(onSample);
        var handler = new CallbackHandler(onSample, onLost, onCorruption);
        try
        {
            return Read(in buffer, cpu, layout, ref handler);
        }
        finally
        {
            handler.ReturnScratch();
        }
    }

    [SkipLocalsInit] // its frame is large (reports, checks); only what holds references needs zeroing
    private static PerfReadResult ReadBatch<THandler>(in PerfBufferView buffer, int cpu, PerfSampleLayout layout, ref THandler handler, ref PerfValidatedRange validated, ulong tail, ulong head)
        where THandler : struct, IPerfRecordHandler
    {
        // Read has checked the positions: the batch is not empty, at most a ring's length, and aligned.
        var counters = default(PerfReadCounters);
        var ringSize = buffer.DataSize;
        var available = head - tail;

        // Both walks take a fast path for the common case, a run of samples of one size (SkipRun, DeliverRun): see
        // PlainSample. Anything else (the first sample, a new size, lost, oversized, impossible) takes the slow path,
        // which classifies the record with PerfRecordCheck.Of.
        var plain = default(PlainSample);
        var rawSizeOffset = (ulong)layout.RawSizeOffset;

        // Walk 1: validate every header of the batch and find how far oversized samples spilled, before delivering
        // anything: the spill lands on the oldest unread records, which come first in the batch.
        // All arithmetic is relative to the tail, so positions may wrap at 2^64.
        // What an earlier read validated and left unread (it stopped part way) is valid still: the kernel writes only
        // past the head, and a spill onto it comes from a sample written since, which this walk meets. So the walk
        // starts where the last one ended, and a stream that takes a cold 64 MiB ring in batches walks it once, not
        // once a batch.
        var validEnd = available;
        var impossible = default(PerfRecordCheck);
        ulong spillEnd = 0, spillSource = 0, spillTrueSize = 0, resync = 0;
        for (var at = validated.ValidPast(tail, available); at < available;)
        {
            if (plain.Size != 0) // no run before the first sample (a 1-sample read saves the call)
                at = SkipRun(in buffer, tail, at, available, plain, rawSizeOffset);
            if (at >= available)
                break;

            var record = PerfRecordCheck.Of(in buffer, tail + at, available - at, layout);
            if (record.Class == PerfRecordClass.Impossible)
            {
                // Spill damage that no longer parses: look past it for the oversized sample that caused it.
                var found = FindSpillSource(in buffer, tail, at, available, ringSize, layout);
                if (found == 0)
                {
                    validEnd = at;
                    impossible = record;
                    break;
                }

                var source = PerfRecordCheck.Of(in buffer, tail + found, available - found, layout);
                (spillEnd, resync, spillSource, spillTrueSize) = (found, found, tail + found, source.TrueSize);
                at = found;
                continue;
            }

            if (record.Class == PerfRecordClass.Sample)
            {
                plain = new PlainSample(record);
            }
            else if (record.Class == PerfRecordClass.Oversized)
            {
                // The kernel wrote TrueSize bytes from here; what lies past one ring length from here wrapped onto
                // the bytes from the tail on, up to the sample itself (later records were written after it).
                var spillSize = record.SpillSize;
                if (at + spillSize > ringSize)
                {
                    var reached = Math.Min(at + spillSize - ringSize, at);
                    if (reached > spillEnd)
                        (spillEnd, spillSource, spillTrueSize) = (reached, tail + at, record.TrueSize);
                }
            }

            at += record.Header.Size;
        }

        // Only a clean walk is remembered. (Damage is consumed before anything is delivered, so a read never stops
        // inside it and a remembered damaged range would not be read again; this keeps the rule simple to check.)
        validated = validEnd == available && spillEnd == 0 ? new PerfValidatedRange { From = tail, To = head } : default;

        // Walk 2: deliver. Headers are checked again (the fast path compares them again too), so a ring changed since
        // walk 1 is still read within bounds.
        ulong consumed = 0;
        try
        {
            ulong at = 0;
            while (at < spillEnd && at < validEnd)
            {
                var record = PerfRecordCheck.Of(in buffer, tail + at, available - at, layout);
                if (record.Class == PerfRecordClass.Impossible || (resync != 0 && at + record.Header.Size > resync))
                {
                    if (resync <= at)
                    {
                        (validEnd, impossible) = (at, record);
                        break;
                    }

                    // Unreadable from here: what is left up to the oversized sample walk 1 found counts as one record.
                    // The damage can go on past it (a later sample's spill), so the walk goes on from there.
                    counters.CorruptedRecords++;
                    at = resync;
                    continue;
                }

                counters.CorruptedRecords++;
                at += record.Header.Size;
            }

            if (counters.CorruptedRecords != 0)
            {
                consumed = at;
                counters.CorruptedBytes += at;
                handler.OnCorruption(PerfCorruption.Spill(cpu, tail, ringSize, tail, head, spillSource, spillTrueSize, counters.CorruptedRecords, at));
            }

            while (at < validEnd)
            {
                var runStart = at;
                at = DeliverRun(in buffer, cpu, tail, at, validEnd, plain, layout, ref handler, ref consumed, out var stopped, out var delivered);
                if (at != runStart)
                {
                    counters.Samples += delivered;
                    counters.SampleBytes += delivered * plain.RawSize;
                    if (stopped)
                        return new PerfReadResult(counters, consumed, stopped: true);
                    if (at >= validEnd)
                        break;
                }

                var position = tail + at;
                var record = PerfRecordCheck.Of(in buffer, position, available - at, layout);
                if (record.Class == PerfRecordClass.Impossible)
                {
                    (validEnd, impossible) = (at, record);
                    break;
                }

                at += record.Header.Size;
                consumed = at;
                switch (record.Class)
                {
                    case PerfRecordClass.Sample:
                        plain = new PlainSample(record);
                        counters.Samples++;
                        counters.SampleBytes += record.RawSize;
                        if (!handler.OnSample(SampleAt(in buffer, cpu, position, record.RawSize, layout)))
                            return new PerfReadResult(counters, consumed, stopped: true);

                        break;

                    case PerfRecordClass.Oversized:
                        counters.OversizedSamples++;
                        counters.CorruptedBytes += record.Header.Size;
                        handler.OnCorruption(PerfCorruption.Oversized(cpu, position, ringSize, tail, head, record.Header, record.TrueSize));
                        break;

                    case PerfRecordClass.Lost:
                        // { header; u64 id; u64 lost; }
                        var lost = buffer.ReadUInt64(position + PerfEventAbi.HeaderSize + sizeof(ulong));
                        counters.LostRecords++;
                        counters.Lost += lost;
                        handler.OnLost(cpu, lost);
                        break;

                    default:
                        counters.SkippedRecords++;
                        break;
                }
            }

            consumed = available;
            if (validEnd < available)
            {
                counters.DroppedBytes = available - validEnd;
                counters.CorruptedBytes += counters.DroppedBytes;
                handler.OnCorruption(PerfCorruption.Impossible(cpu, tail + validEnd, ringSize, tail, head, impossible.Header, impossible.Problem));
            }

            return new PerfReadResult(counters, consumed, stopped: false);
        }
        finally
        {
            // Once per batch; also when the handler throws, past the record it was given.
            if (consumed != 0)
                buffer.StoreDataTail(tail + consumed);
        }
    }

    /// <summary>
    /// After an impossible header at <paramref name="damaged"/> (relative to <paramref name="tail"/>): the first later
    /// position holding an oversized sample that explains the damage, or 0 when there is none.
    /// </summary>
    /// <remarks>
    /// An oversized sample's spill lands on the oldest unread records, from the tail on, so the damage comes first in
    /// the batch and usually no longer parses (payload bytes read as headers), hiding the sample behind it. The
    /// sample's own header survives whenever its true size is at most the ring's size. A candidate must classify as
    /// oversized, spill far enough to reach <paramref name="damaged"/> (when its true size is known), and start a chain
    /// of valid records that ends exactly at <c>data_head</c>, so payload bytes that merely look like such a header are
    /// not taken for one. Off the fast path: it runs only on a batch that is already corrupt.
    /// </remarks>
    private static ulong FindSpillSource(in PerfBufferView buffer, ulong tail, ulong damaged, ulong available, ulong ringSize, PerfSampleLayout layout)
    {
        for (var at = damaged + PerfEventAbi.RecordAlignment; at < available; at += PerfEventAbi.RecordAlignment)
        {
            if (buffer.ReadHeader(tail + at).Type != PerfEventAbi.PERF_RECORD_SAMPLE)
                continue;
            var candidate = PerfRecordCheck.Of(in buffer, tail + at, available - at, layout);
            if (candidate.Class != PerfRecordClass.Oversized)
                continue;
            if (candidate.TrueSize != 0 && at + candidate.TrueSize <= ringSize + damaged)
                continue; // its spill ends before the damage
            if (ReachesHead(in buffer, tail, at, available, layout))
                return at;
        }

        return 0;
    }

    /// <summary>Whether the records from <paramref name="at"/> on are all possible and end exactly at <paramref name="available"/>.</summary>
    private static bool ReachesHead(in PerfBufferView buffer, ulong tail, ulong at, ulong available, PerfSampleLayout layout)
    {
        while (at < available)
        {
            var record = PerfRecordCheck.Of(in buffer, tail + at, available - at, layout);
            if (record.Class == PerfRecordClass.Impossible)
                return false;
            at += record.Header.Size; // at least 8, and never past available (Of checks)
        }

        return true;
    }

    /// <summary>
    /// Walk 1's fast path: skips the records from <paramref name="at"/> on (relative to <paramref name="tail"/>) while
    /// they repeat <paramref name="plain"/> (same header word and raw size) and fit before <paramref name="end"/>;
    /// returns where that run ends.
    /// </summary>
    /// <remarks>Not inlined, here and in <see cref="DeliverRun"/>: a small loop of its own keeps its values in registers.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe ulong SkipRun(in PerfBufferView buffer, ulong tail, ulong at, ulong end, PlainSample plain, ulong rawSizeOffset)
    {
        var (header, rawSize, size) = (plain.Header, plain.RawSize, (ulong)plain.Size);
        if (size == 0)
            return at;
        var data = buffer.Data;
        var dataSize = buffer.DataSize;
        // The checked bytes: the header (8 bytes at the record's start) and the raw size (4 bytes at rawSizeOffset). The
        // loop walks a plain pointer over the records whose checked bytes lie before the end of the data area, where
        // a record's bytes wrap, so it needs no masking (and every read stays inside the data area).
        var checkedBytes = rawSizeOffset + sizeof(uint);
        while (end - at >= size) // a whole record fits before the end
        {
            var offset = (tail + at) & (dataSize - 1);
            if (dataSize - offset < checkedBytes)
                return at; // the record whose checked bytes wrap: the caller's slow path reads it through the view

            // The last record start of this pass: its checked bytes end before the end of the data area, and the record
            // fits before the end of the walk. (A bound, not a count: a count needed a 64-bit division per call.)
            var first = data + offset;
            var last = first + Math.Min(dataSize - offset - checkedBytes, end - at - size);
            var p = first;
            while (p <= last && *(ulong*)p == header && *(uint*)(p + rawSizeOffset) == rawSize)
                p += size;
            at += (ulong)(p - first);
            if (p <= last)
                return at;
        }
        return at;
    }

    /// <summary>
    /// Walk 2's fast path: delivers the records from <paramref name="at"/> on while they repeat <paramref name="plain"/>,
    /// moving <paramref name="consumed"/> past each as it is handed over; returns where the run ends, or the position
    /// after the sample the handler stopped at (<paramref name="stopped"/>), and counts the samples handed over in
    /// <paramref name="delivered"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe ulong DeliverRun<THandler>(
        in PerfBufferView buffer, int cpu, ulong tail, ulong at, ulong end, PlainSample plain, PerfSampleLayout layout, ref THandler handler, ref ulong consumed, out bool stopped, out long delivered)
        where THandler : struct, IPerfRecordHandler
    {
        var view = buffer; // a local copy: its fields stay in registers, and the handler's stores cannot alias them
        var prefixSize = (ulong)layout.PrefixSize;
        var rawSizeOffset = (ulong)layout.RawSizeOffset;
        var hasTime = layout.HasTime;
        var (header, rawSize, size) = (plain.Header, plain.RawSize, (ulong)plain.Size);
        stopped = false;
        delivered = 0;
        if (size == 0)
            return at;
        var data = view.Data;
        var dataSize = view.DataSize;
        var dataEnd = data + dataSize;
        var checkedBytes = rawSizeOffset + sizeof(uint); // as in SkipRun: header, time if any, raw size
        while (end - at >= size) // a whole record fits before the end
        {
            var offset = (tail + at) & (dataSize - 1);
            if (dataSize - offset < checkedBytes)
                return at; // the record whose checked bytes wrap: the caller's slow path reads it through the view

            // As in SkipRun: the last record start of this pass.
            for (byte* p = data + offset, last = p + Math.Min(dataSize - offset - checkedBytes, end - at - size); p <= last; p += size)
            {
                if (*(ulong*)p != header || *(uint*)(p + rawSizeOffset) != rawSize)
                    return at;
                var position = tail + at;
                at += size;
                consumed = at;
                ReadOnlySpan<byte> first, second;
                if (p + size <= dataEnd)
                {
                    first = new ReadOnlySpan<byte>(p + prefixSize, (int)rawSize);
                    second = default;
                }
                else
                {
                    view.Segments(position + prefixSize, rawSize, out first, out second); // the body wraps
                }

                var time = hasTime ? *(ulong*)(p + PerfSampleLayout.TimeOffset) : 0;
                delivered++;
                if (!handler.OnSample(new PerfSample(cpu, position, time, first, second)))
                {
                    stopped = true;
                    return at;
                }
            }
        }

        return at;
    }

    private static PerfSample SampleAt(in PerfBufferView buffer, int cpu, ulong position, uint rawSize, PerfSampleLayout layout)
    {
        buffer.Segments(position + (ulong)layout.PrefixSize, rawSize, out var first, out var second);
        var time = layout.HasTime ? buffer.ReadUInt64(position + PerfSampleLayout.TimeOffset) : 0;
        return new PerfSample(cpu, position, time, first, second);
    }

    /// <summary>
    /// The last record <see cref="PerfRecordCheck.Of"/> classified as a well-formed sample: its header word, raw size
    /// and size. Records usually come as runs of samples of one size, and a record whose header and raw size equal
    /// these, and whose size fits before the end, gets exactly this verdict from <see cref="PerfRecordCheck.Of"/> (which
    /// depends on nothing else), so the walks need not classify it again. Stepping by the remembered size, rather than
    /// the size just loaded, also breaks the chain of dependent loads (each header's position taken from the previous
    /// header): the CPU reads the next headers while the compare on this one is still in flight.
    /// </summary>
    private readonly struct PlainSample(in PerfRecordCheck sample)
    {
        /// <summary>The sample's header as one word (<see cref="PerfRecordCheck.HeaderWord"/>, as loaded from the ring).</summary>
        public ulong Header { get; } = sample.HeaderWord;

        /// <summary>The sample's raw size.</summary>
        public uint RawSize { get; } = sample.RawSize;

        /// <summary>The sample's size, header included; 0 in the default value, which nothing repeats.</summary>
        public uint Size { get; } = sample.Header.Size;
    }

    /// <summary>Adapts the delegates to the struct handler the reader is generic over.</summary>
    internal struct CallbackHandler(PerfSampleCallback onSample, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption) : IPerfRecordHandler
    {
        private byte[]? _scratch;

        public bool OnSample(in PerfSample sample)
        {
            if (sample.IsContiguous)
            {
                onSample(sample.Cpu, sample.First);
                return true;
            }

            // Rented once and kept for the batch: a wrapped body costs a copy, not an allocation.
            if (_scratch is null || _scratch.Length < sample.Length)
            {
                ReturnScratch();
                _scratch = ArrayPool<byte>.Shared.Rent(sample.Length);
            }

            onSample(sample.Cpu, sample.GetContiguous(_scratch));
            return true;
        }

        public readonly void OnLost(int cpu, ulong lost) => onLost?.Invoke(cpu, lost);

        public readonly void OnCorruption(in PerfCorruption corruption) => onCorruption?.Invoke(in corruption);

        public void ReturnScratch()
        {
            if (_scratch is not null)
                ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = null;
        }
    }
}
