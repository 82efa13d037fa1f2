using System.Buffers;
using System.Text.Json;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Cli;

/// <summary>
/// Writes the records of <c>mbpf run</c> as JSON lines on stdout, one object per record:
/// <c>{"map":…,"cpu":…,"size":…,"value":{…}}</c> decoded with the object's BTF, or <c>"hex":"…"</c> without a
/// type. Lost-sample reports become <c>{"map":…,"cpu":…,"lost":N}</c>. Safe to call from several reader threads
/// (it shares the status line's lock, so a status line never lands inside a record). Output to a pipe or file is
/// buffered and flushed once per drained batch (<see cref="Flush"/>); output to a terminal, once per record.
/// </summary>
internal sealed class RecordPrinter : IDisposable
{
    private readonly BufferedStream _stdout = new(StandardOutput.Open(), 64 * 1024);
    private readonly bool _interactive = StandardOutput.IsTerminal;
    private readonly Utf8JsonWriter _json;
    private readonly BtfValueWriter? _type;
    private readonly StatusLine _status;
    private readonly long _limit;
    private readonly CancellationTokenSource _stop;
    private long _printed, _printedBytes;
    private bool _closed;

    /// <param name="type">Decodes each record, or null for hex.</param>
    /// <param name="status">Erased before output when it shares the terminal; its lock serialises all output.</param>
    /// <param name="limit">Stop after this many records (0: no limit).</param>
    /// <param name="stop">Cancelled when the limit is reached.</param>
    internal RecordPrinter(BtfValueWriter? type, StatusLine status, long limit, CancellationTokenSource stop)
    {
        _json = new Utf8JsonWriter(_stdout);
        (_type, _status, _limit, _stop) = (type, status, limit, stop);
    }

    /// <summary>The records written so far and their payload bytes (what the totals report).</summary>
    internal (long Records, long Bytes) Printed
    {
        get
        {
            lock (_status.Gate)
                return (_printed, _printedBytes);
        }
    }

    /// <summary>Writes one record.</summary>
    /// <exception cref="IOException">Stdout is closed.</exception>
    internal void Record(string map, int? cpu, ReadOnlySpan<byte> payload)
    {
        lock (_status.Gate)
        {
            if (_closed || (_limit > 0 && _printed >= _limit))
                return;
            _json.WriteStartObject();
            _json.WriteString("map"u8, map);
            if (cpu is { } id)
                _json.WriteNumber("cpu"u8, id);
            _json.WriteNumber("size"u8, payload.Length);
            if (_type is null)
            {
                WriteHex(payload);
            }
            else if ((uint)payload.Length < _type.MinimumSize)
            {
                _json.WriteString("error"u8, $"the record has {payload.Length} bytes, fewer than the {_type.MinimumSize} of --type");
                WriteHex(payload);
            }
            else
            {
                _json.WritePropertyName("value"u8);
                _type.Write(_json, payload);
            }

            EndLine();
            _printed++;
            _printedBytes += payload.Length;
        }

        if (_printed == _limit)
            _stop.Cancel();
    }

    /// <summary>
    /// Writes one map entry (<c>{"map", "key", "value"}</c>, or <c>"values"</c> with one value per possible CPU for a
    /// per-CPU map), each part decoded with its BTF type when there is one, else in hex.
    /// </summary>
    /// <exception cref="IOException">Stdout is closed.</exception>
    internal void Entry(string map, ReadOnlySpan<byte> key, BtfValueWriter? keyType, ReadOnlySpan<byte> value, BtfValueWriter? valueType, int perCpuStride)
    {
        lock (_status.Gate)
        {
            if (_closed)
                return;
            _json.WriteStartObject();
            _json.WriteString("map"u8, map);
            if (key.Length > 0)
                WritePart("key"u8, key, keyType);
            if (perCpuStride == 0)
            {
                WritePart("value"u8, value, valueType);
            }
            else
            {
                _json.WriteStartArray("values"u8);
                for (var offset = 0; offset + perCpuStride <= value.Length; offset += perCpuStride)
                    WriteValue(value.Slice(offset, perCpuStride), valueType);
                _json.WriteEndArray();
            }

            EndLine();
            _printed++;
            _printedBytes += key.Length + value.Length;
        }
    }

    /// <summary>Writes a data section's value as its variables (<c>{"map", "value": {name: value…}}</c>).</summary>
    /// <exception cref="IOException">Stdout is closed.</exception>
    internal void Variables(string map, IReadOnlyList<(string Name, int Offset, int Size, BtfValueWriter? Type)> variables, ReadOnlySpan<byte> value)
    {
        lock (_status.Gate)
        {
            if (_closed)
                return;
            _json.WriteStartObject();
            _json.WriteString("map"u8, map);
            _json.WriteStartObject("value"u8);
            foreach (var (name, offset, size, type) in variables)
            {
                if (offset + size > value.Length)
                    continue;
                _json.WritePropertyName(name);
                WriteValue(value.Slice(offset, size), type);
            }

            _json.WriteEndObject();
            EndLine();
            _printed++;
            _printedBytes += value.Length;
        }
    }

    private void WritePart(ReadOnlySpan<byte> name, ReadOnlySpan<byte> bytes, BtfValueWriter? type)
    {
        _json.WritePropertyName(name);
        WriteValue(bytes, type);
    }

    private void WriteValue(ReadOnlySpan<byte> bytes, BtfValueWriter? type)
    {
        if (type is not null && (uint)bytes.Length >= type.MinimumSize)
            type.Write(_json, bytes);
        else
            _json.WriteStringValue(Convert.ToHexStringLower(bytes));
    }

    /// <summary>Writes a report of samples the kernel lost.</summary>
    /// <exception cref="IOException">Stdout is closed.</exception>
    internal void Lost(string map, int cpu, ulong lost)
    {
        lock (_status.Gate)
        {
            if (_closed || (_limit > 0 && _printed >= _limit))
                return;
            _json.WriteStartObject();
            _json.WriteString("map"u8, map);
            _json.WriteNumber("cpu"u8, cpu);
            _json.WriteNumber("lost"u8, lost);
            EndLine();
        }
    }

    /// <summary>Writes what is buffered to stdout: once per drained batch, so a pipe sees records promptly.</summary>
    /// <exception cref="IOException">Stdout is closed.</exception>
    internal void Flush()
    {
        lock (_status.Gate)
        {
            if (_closed)
                return;
            try
            {
                _stdout.Flush();
            }
            catch (IOException)
            {
                _closed = true;
                throw;
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _json.Dispose();
            _stdout.Dispose(); // both flush what they hold
        }
        catch (IOException)
        {
            // Nobody reads stdout any more: nothing to flush to.
        }
    }

    private void EndLine()
    {
        try
        {
            _json.WriteEndObject();
            _json.Flush();
            _stdout.WriteByte((byte)'\n');
            if (_interactive)
            {
                _status.ClearLocked();
                _stdout.Flush();
            }
        }
        catch (IOException)
        {
            _closed = true; // once stdout fails, every later write is skipped
            throw;
        }
        finally
        {
            _json.Reset();
        }
    }

    private void WriteHex(ReadOnlySpan<byte> payload)
    {
        char[]? rented = null;
        var hex = payload.Length <= 512 ? stackalloc char[1024] : (rented = ArrayPool<char>.Shared.Rent(payload.Length * 2));
        Convert.TryToHexStringLower(payload, hex, out var written);
        _json.WriteString("hex"u8, hex[..written]);
        if (rented is not null)
            ArrayPool<char>.Shared.Return(rented);
    }
}
