using System.Buffers;
using System.Numerics;

namespace ManagedBpf.Buffers.Chunks;

/// <summary>
/// Rebuilds messages that a BPF program split into chunk records with <c>managedbpf_chunks.h</c> (see
/// <see cref="ChunkHeader"/>), in bounded memory: at most <see cref="ChunkReassemblerOptions.MaxMessagesInFlight"/>
/// incomplete messages of at most <see cref="ChunkReassemblerOptions.MaxMessageSize"/> bytes each. A message whose
/// chunks stop arriving (the program's reservation failed, counted in its drop map) is evicted when stale or when room
/// is needed, and reported with the indices of the chunks that never came.
/// </summary>
/// <remarks>
/// <para>
/// Chunks may arrive in any order and interleaved with other messages' chunks. A one-chunk message is handed out
/// straight from the record (no copy); larger ones are assembled in buffers from <see cref="ArrayPool{T}.Shared"/>.
/// A chunk of a message already evicted starts a new incomplete message, which is evicted in its turn.
/// </para>
/// <para>Not thread-safe: feed it from one thread, for example a ring buffer's record callback.</para>
/// </remarks>
public sealed class ChunkReassembler : IDisposable
{
    private readonly ChunkMessageCallback _onMessage;
    private readonly IncompleteMessageCallback? _onIncomplete;
    private readonly int _maxInFlight;
    private readonly int _maxMessageSize;
    private readonly int _maxIdle;
    private readonly Dictionary<ulong, Pending> _pending = [];
    private readonly Stack<Pending> _spare = new();
    private long _chunks;
    private long _oldestSeen; // no pending message was seen before it: while it is not idle, none is

    /// <summary>Creates an empty reassembler.</summary>
    /// <param name="onMessage">Receives every complete message.</param>
    /// <param name="onIncomplete">Receives every evicted incomplete message, or <see langword="null"/> to rely on <see cref="IncompleteMessages"/>.</param>
    /// <param name="options">The bounds, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive, or the message size is above the largest the header can emit.</exception>
    public ChunkReassembler(ChunkMessageCallback onMessage, IncompleteMessageCallback? onIncomplete = null, ChunkReassemblerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        options ??= new ChunkReassemblerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessagesInFlight, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageSize, 0, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxMessageSize, ChunkHeader.MaxChunks * ChunkHeader.MaxData, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxIdleChunks, 1, nameof(options));
        _onMessage = onMessage;
        _onIncomplete = onIncomplete;
        _maxInFlight = options.MaxMessagesInFlight;
        _maxMessageSize = options.MaxMessageSize;
        _maxIdle = options.MaxIdleChunks;
    }

    /// <summary>Incomplete messages held now.</summary>
    public int InFlight => _pending.Count;

    /// <summary>Messages delivered whole.</summary>
    public long CompletedMessages { get; private set; }

    /// <summary>Messages evicted incomplete.</summary>
    public long IncompleteMessages { get; private set; }

    /// <summary>Chunks that were never seen, over all messages evicted incomplete.</summary>
    public long MissingChunks { get; private set; }

    /// <summary>Records that are not valid chunks, or disagree with earlier chunks of their message.</summary>
    public long MalformedChunks { get; private set; }

    /// <summary>Chunks of messages larger than <see cref="ChunkReassemblerOptions.MaxMessageSize"/>.</summary>
    public long OversizedChunks { get; private set; }

    /// <summary>Chunks received a second time (ignored).</summary>
    public long DuplicateChunks { get; private set; }

    /// <summary>Feeds one ring buffer record: a chunk. Delivers the message if this chunk completes it.</summary>
    /// <param name="record">The record, header included.</param>
    /// <returns><see langword="false"/> when the record was rejected (malformed, oversized or duplicate) and counted.</returns>
    public bool Add(ReadOnlySpan<byte> record)
    {
        if (!ChunkHeader.TryRead(record, out var header))
        {
            MalformedChunks++;
            return false;
        }

        if ((long)(header.Count - 1) * ChunkHeader.MaxData + (header.Index + 1 == header.Count ? header.Length : 1) > _maxMessageSize ||
            header.Count > ChunkHeader.MaxChunks)
        {
            OversizedChunks++;
            return false;
        }

        var now = ++_chunks;
        var data = record.Slice(ChunkHeader.Size, (int)header.Length);
        var accepted = true;
        if (header.Count == 1)
        {
            CompletedMessages++;
            _onMessage(header.MessageId, data);
        }
        else
        {
            accepted = AddPart(in header, data, now);
        }

        EvictStale(now);
        return accepted;
    }

    /// <summary>Evicts and reports every incomplete message (for example once the producer is done).</summary>
    /// <returns>How many were evicted.</returns>
    public int EvictAll()
    {
        var count = _pending.Count;
        while (_pending.Count != 0)
        {
            using var e = _pending.Values.GetEnumerator();
            e.MoveNext();
            Evict(e.Current, EvictionReason.Flushed);
        }

        return count;
    }

    /// <summary>Drops every incomplete message without reporting it and returns the pooled buffers.</summary>
    public void Dispose()
    {
        foreach (var p in _pending.Values)
            p.Release();
        _pending.Clear();
        _spare.Clear();
    }

    private bool AddPart(in ChunkHeader header, ReadOnlySpan<byte> data, long now)
    {
        if (!_pending.TryGetValue(header.MessageId, out var message))
        {
            if (_pending.Count >= _maxInFlight)
                Evict(Oldest(), EvictionReason.Capacity);
            message = _spare.TryPop(out var spare) ? spare : new Pending();
            message.Start(header.MessageId, (int)header.Count, now);
            if (_pending.Count == 0)
                _oldestSeen = now;
            _pending.Add(header.MessageId, message);
        }

        if (message.Count != header.Count)
        {
            MalformedChunks++;
            return false;
        }

        var bit = 1UL << (int)header.Index;
        if ((message.Received & bit) != 0)
        {
            DuplicateChunks++;
            return false;
        }

        data.CopyTo(message.Buffer.AsSpan((int)header.Index * ChunkHeader.MaxData));
        message.Received |= bit;
        message.LastSeen = now;
        if (header.Index + 1 == header.Count)
            message.LastLength = (int)header.Length;
        if (BitOperations.PopCount(message.Received) == message.Count)
        {
            _pending.Remove(message.Id);
            CompletedMessages++;
            try
            {
                _onMessage(message.Id, message.Buffer.AsSpan(0, ((message.Count - 1) * ChunkHeader.MaxData) + message.LastLength));
            }
            finally
            {
                Recycle(message);
            }
        }

        return true;
    }

    private Pending Oldest()
    {
        Pending? oldest = null;
        foreach (var p in _pending.Values)
        {
            if (oldest is null || p.Started < oldest.Started)
                oldest = p;
        }

        return oldest!;
    }

    private void EvictStale(long now)
    {
        // Every chunk comes here: scan the pending messages only once the least recently seen of them may be idle.
        if (_pending.Count == 0 || now - _oldestSeen <= _maxIdle)
            return;
        Pending? stale;
        do
        {
            stale = null;
            var oldest = long.MaxValue;
            foreach (var p in _pending.Values)
            {
                if (now - p.LastSeen > _maxIdle)
                {
                    stale = p;
                    break;
                }

                oldest = Math.Min(oldest, p.LastSeen);
            }

            if (stale is not null)
                Evict(stale, EvictionReason.Stale);
            else
                _oldestSeen = oldest;
        }
        while (stale is not null);
    }

    private void Evict(Pending message, EvictionReason reason)
    {
        _pending.Remove(message.Id);
        var missing = new List<int>();
        for (var i = 0; i < message.Count; i++)
        {
            if ((message.Received & (1UL << i)) == 0)
                missing.Add(i);
        }

        IncompleteMessages++;
        MissingChunks += missing.Count;
        var report = new IncompleteMessage(message.Id, message.Count, missing, reason);
        Recycle(message);
        _onIncomplete?.Invoke(report);
    }

    private void Recycle(Pending message)
    {
        message.Release();
        if (_spare.Count < _maxInFlight)
            _spare.Push(message);
    }

    private sealed class Pending
    {
        public ulong Id;
        public int Count;
        public ulong Received;
        public int LastLength;
        public long Started;
        public long LastSeen;
        public byte[] Buffer = [];

        public void Start(ulong id, int count, long now)
        {
            (Id, Count, Received, LastLength, Started, LastSeen) = (id, count, 0, 0, now, now);
            Buffer = ArrayPool<byte>.Shared.Rent(count * ChunkHeader.MaxData);
        }

        public void Release()
        {
            if (Buffer.Length != 0)
                ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = [];
        }
    }
}
