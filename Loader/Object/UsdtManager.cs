using System.Buffers.Binary;
using System.Globalization;
using ManagedBpf.Kernel;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Loader.Usdt;
using ManagedBpf.Maps;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

/// <summary>
/// The USDT state of one loaded object (libbpf's <c>struct usdt_manager</c>): the two maps <c>usdt.bpf.h</c> defines,
/// the layout of their spec from the object's BTF, the spec id pool, and whether programs find their spec by BPF
/// cookie or by instruction pointer. <see cref="Attach"/> is the kernel edge of USDT attachment; finding the sites,
/// parsing their arguments and laying out specs are the pure steps of <see cref="UsdtTargets"/> and <see cref="UsdtSpecLayout"/>.
/// </summary>
internal sealed class UsdtManager
{
    internal const string SpecsMap = "__bpf_usdt_specs";
    internal const string IpMap = "__bpf_usdt_ip_to_spec_id";

    /// <summary>Where the uprobe PMU says it takes a reference counter (kernel 4.20+); without it, probes with semaphores cannot be attached.</summary>
    private const string RefCounterFormat = "/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset";

    private readonly Map _specs;
    private readonly Map _ips;
    private readonly UsdtSpecLayout _layout;
    private readonly UsdtSpecIds _ids;
    private readonly bool _bpfCookie;

    private UsdtManager(Map specs, Map ips, UsdtSpecLayout layout, bool bpfCookie)
    {
        _specs = specs;
        _ips = ips;
        _layout = layout;
        _bpfCookie = bpfCookie;
        _ids = new UsdtSpecIds(specs.MaxEntries);
    }

    /// <summary>The manager of <paramref name="collection"/>, which must hold both of <c>usdt.bpf.h</c>'s maps.</summary>
    /// <exception cref="InvalidOperationException">The object does not include <c>usdt.bpf.h</c> (no such maps).</exception>
    /// <exception cref="BpfObjectFormatException">The object's <c>struct __bpf_usdt_spec</c> is malformed or does not match the specs map's value size.</exception>
    internal static UsdtManager Create(Collection collection, bool bpfCookie)
    {
        if (!collection.Maps.TryGetValue(SpecsMap, out var specs) || !collection.Maps.TryGetValue(IpMap, out var ips))
        {
            throw new InvalidOperationException(
                $"'{collection.Spec.Name}' has no {SpecsMap} and {IpMap} maps, which USDT programs read their arguments from: include <bpf/usdt.bpf.h> in its source (libbpf says the same).");
        }

        var btf = collection.Spec.Btf;
        var valueType = collection.Spec.Maps.FirstOrDefault(m => m.Name == SpecsMap)?.Spec.BtfValueTypeId ?? 0;
        var layout = btf is null ? null : UsdtSpecLayout.FromBtf(btf, valueType != 0 ? valueType : null) ?? UsdtSpecLayout.FromBtf(btf);
        layout ??= UsdtSpecLayout.Libbpf11;
        if (layout.Size != specs.ValueSize)
        {
            throw new BpfObjectFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{SpecsMap} has {specs.ValueSize}-byte values, but struct __bpf_usdt_spec is {layout.Size} bytes: the object's usdt.bpf.h maps and types disagree."), SpecsMap, null);
        }

        if (specs.KeySize != 4 || ips.KeySize != 8 || ips.ValueSize != 4)
            throw new BpfObjectFormatException($"{SpecsMap} must have 4-byte keys and {IpMap} 8-byte keys and 4-byte values, as usdt.bpf.h declares them.", SpecsMap, null);
        return new UsdtManager(specs, ips, layout, bpfCookie);
    }

    /// <summary>How many spec ids attachments hold now.</summary>
    internal int SpecIdsInUse => _ids.InUse;

    /// <summary>Attaches <paramref name="program"/> at every site of the probe, as libbpf's <c>usdt_manager_attach_usdt</c>.</summary>
    internal UsdtLink Attach(Program program, string binary, string provider, string name, UsdtOptions options)
    {
        var path = UprobeBinary.ResolvePath(binary);
        // As libbpf: 0 is this process, any negative value every process.
        var pid = options.ProcessId < 0 ? -1 : options.ProcessId == 0 ? Environment.ProcessId : options.ProcessId;
        var elf = ElfFile.Parse(File.ReadAllBytes(path));
        var targets = UsdtTargets.Find(elf, provider, name, path, _layout.MaxArguments);
        if (!_bpfCookie && elf.Header.Type == ElfType.DYN)
        {
            if (pid < 0)
            {
                throw new NotSupportedException(
                    $"USDT {provider}:{name} in {path}: this kernel has no BPF cookies (5.15), so programs find their spec by instruction pointer, " +
                    "and a shared object or PIE runs at a different address in every process: give a process id (libbpf refuses the same).");
            }

            targets = UsdtTargets.Relocate(targets, ProcessMappings(pid, path), path);
        }

        if (targets.Any(t => t.SemaphoreOffset != 0) && !File.Exists(RefCounterFormat))
            throw new NotSupportedException($"USDT {provider}:{name} in {path} has a semaphore, and this kernel's uprobe PMU cannot count it ({RefCounterFormat} is missing; 4.20+).");

        // One spec per distinct argument string: sites that read their arguments alike share an id (libbpf's specs_hash).
        var specs = targets.Select(t => t.Note.Arguments).Distinct(StringComparer.Ordinal).ToList();
        var ids = _ids.Allocate(specs.Count);
        var idOf = specs.Select((text, i) => (text, id: ids[i])).ToDictionary(p => p.text, p => p.id, StringComparer.Ordinal);
        var uprobes = new List<PerfEventLink>(targets.Count);
        var addresses = new List<ulong>();
        try
        {
            foreach (var (text, id) in idOf)
            {
                var site = targets.First(t => t.Note.Arguments == text);
                _specs.Update(Key(id), _layout.Write(site.Arguments, options.Cookie));
            }

            foreach (var target in targets)
            {
                var id = idOf[target.Note.Arguments];
                if (!_bpfCookie)
                {
                    AddAddress(target, id, path);
                    addresses.Add(target.Address);
                }

                uprobes.Add(program.AttachUprobe(path, target.FileOffset, new UprobeOptions
                {
                    ProcessId = pid,
                    RefCounterOffset = target.SemaphoreOffset,
                    Cookie = _bpfCookie ? (ulong)id : 0,
                }));
            }
        }
        catch
        {
            LinkGroup.DisposeAll(uprobes);
            Release(ids, addresses);
            throw;
        }

        var description = string.Create(CultureInfo.InvariantCulture,
            $"{program} on usdt {provider}:{name} in {path} ({targets.Count} site{(targets.Count == 1 ? "" : "s")}{(pid >= 0 ? $", pid {pid}" : "")})");
        return new UsdtLink([.. uprobes], ids, uprobes[0].Mechanism, description, () => Release(ids, addresses));
    }

    /// <summary>Without cookies a program looks its spec id up by where it was hit; two sites at one address would be ambiguous.</summary>
    private void AddAddress(UsdtTarget target, int id, string path)
    {
        Span<byte> key = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(key, target.Address);
        try
        {
            _ips.Update(key, Key(id), MapUpdateFlags.NoExist);
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EEXIST)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"USDT {target.Note} in {path}: address 0x{target.Address:x} is already attached through this object (libbpf: IP collision); detach the other USDT link first."), e);
        }
    }

    /// <summary>Undoes an attachment's map state (libbpf's <c>bpf_link_usdt_detach</c>): the address entries go, the ids return to the pool.</summary>
    private void Release(int[] ids, List<ulong> addresses)
    {
        Span<byte> key = stackalloc byte[8];
        foreach (var address in addresses)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(key, address);
            try
            {
                _ips.Delete(key);
            }
            catch (Exception e) when (e is ObjectDisposedException or BpfSyscallException)
            {
                // The collection is gone (with its map) or the entry is: nothing is left to undo. libbpf ignores these errors too.
            }
        }

        _ids.Release(ids);
    }

    /// <summary>The executable mappings of <paramref name="path"/> in process <paramref name="pid"/> (libbpf's <c>parse_vma_segs</c>).</summary>
    private static IEnumerable<ProcessMapping> ProcessMappings(int pid, string path)
    {
        // A binary reached through the process's root (a container's) shows in its maps without that prefix.
        var root = string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/root/");
        var shown = path.StartsWith(root, StringComparison.Ordinal) ? path[(root.Length - 1)..] : RealPath.Resolve(path);
        string maps;
        try
        {
            maps = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/maps"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KeyNotFoundException($"No process {pid} to place USDT probes of {path} in.", e);
        }

        return ProcessMapping.Parse(maps).Where(m => m.Path == shown);
    }

    private static byte[] Key(int id)
    {
        var key = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(key, id);
        return key;
    }
}
