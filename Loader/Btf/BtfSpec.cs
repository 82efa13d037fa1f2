using System.Globalization;
using System.Text;

namespace ManagedBpf.Loader.Btf;

/// <summary>
/// A parsed, validated BTF blob (libbpf's <c>struct btf</c>): a type-id-indexed model where id 0 is <c>void</c>.
/// The raw bytes are kept with a 4-byte offset per type, and types are decoded on first access and cached,
/// so kernel BTF (100k+ types) costs one validation pass up front and memory only for the types used.
/// A split BTF (kernel module BTF) continues the ids and string offsets of its <see cref="Base"/>.
/// Safe for concurrent readers.
/// </summary>
public sealed class BtfSpec
{
    private readonly ReadOnlyMemory<byte> _types;
    private readonly int[] _offsets;
    private readonly BtfType?[] _decoded;
    private BtfNameIndex? _nameIndex;

    private BtfSpec(BtfSpecReader.Result parsed, BtfSpec? baseBtf, string section)
    {
        Header = parsed.Header;
        Base = baseBtf;
        Section = section;
        Strings = parsed.Strings;
        _types = parsed.Types;
        _offsets = parsed.Offsets;
        _decoded = new BtfType?[parsed.Offsets.Length];
        FirstTypeId = baseBtf?.TypeCount ?? 1;
        StringsStart = baseBtf?.StringsEnd ?? 0;
    }

    /// <summary>The validated header.</summary>
    public BtfHeader Header { get; }

    /// <summary>The base BTF this split BTF extends, or null for a base (standalone) BTF.</summary>
    public BtfSpec? Base { get; }

    /// <summary>Where the blob came from (a section name such as <c>.BTF</c>, or a file path), used in error messages.</summary>
    public string Section { get; }

    /// <summary>The first type id this blob defines: 1 for base BTF, the base's <see cref="TypeCount"/> for split BTF.</summary>
    public uint FirstTypeId { get; }

    /// <summary>The number of type ids, counting <c>void</c> and any base types: valid ids are <c>[0, TypeCount)</c> (libbpf's <c>btf__type_cnt</c>).</summary>
    public uint TypeCount => FirstTypeId + (uint)_offsets.Length;

    /// <summary>This blob's own string section (<c>str_len</c> bytes).</summary>
    public ReadOnlyMemory<byte> Strings { get; }

    /// <summary>The string offset at which <see cref="Strings"/> starts: 0 for base BTF, the base's total string size for split BTF.</summary>
    public uint StringsStart { get; }

    /// <summary>One past the last valid string offset, counting base strings.</summary>
    public uint StringsEnd => StringsStart + (uint)Strings.Length;

    /// <summary>This blob's own types, in id order from <see cref="FirstTypeId"/> (decoded on demand).</summary>
    public IEnumerable<BtfType> OwnTypes
    {
        get
        {
            for (var id = FirstTypeId; id < TypeCount; id++)
            {
                yield return TypeById(id);
            }
        }
    }

    /// <summary>Parses and validates a BTF blob such as the <c>.BTF</c> section of an object or <c>/sys/kernel/btf/vmlinux</c>.</summary>
    /// <param name="data">The blob; kept, not copied.</param>
    /// <param name="baseBtf">For split BTF (kernel modules), the BTF whose ids and strings it continues.</param>
    /// <param name="section">The name used in error messages.</param>
    /// <returns>The parsed BTF.</returns>
    /// <exception cref="BpfObjectFormatException">The blob is malformed.</exception>
    public static BtfSpec Parse(ReadOnlyMemory<byte> data, BtfSpec? baseBtf = null, string section = ".BTF")
    {
        ArgumentNullException.ThrowIfNull(section);
        return new BtfSpec(BtfSpecReader.Read(data, baseBtf, section), baseBtf, section);
    }

    /// <summary>The type with id <paramref name="typeId"/>, decoded once and cached (libbpf's <c>btf__type_by_id</c>).</summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>; 0 is <see cref="BtfVoid"/>.</param>
    /// <returns>The type.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The id is not below <see cref="TypeCount"/>.</exception>
    public BtfType TypeById(uint typeId)
    {
        if (typeId < FirstTypeId)
        {
            return typeId == 0 ? BtfVoid.Instance : Base!.TypeById(typeId);
        }

        var index = OwnIndex(typeId);
        return _decoded[index] ??= BtfTypeDecoder.Decode(new BinaryBlock(_types.Span, Section), _offsets[index]);
    }

    /// <summary>The kind of a type, read without decoding it.</summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>.</param>
    /// <returns>The kind; <see cref="BtfKind.UNKN"/> for <c>void</c>.</returns>
    public BtfKind KindOf(uint typeId) => typeId < FirstTypeId
        ? (typeId == 0 ? BtfKind.UNKN : Base!.KindOf(typeId))
        : BtfLayout.Kind(Raw(typeId, 4));

    /// <summary>The <c>name_off</c> of a type, read without decoding it.</summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>.</param>
    /// <returns>The name offset; 0 for anonymous types and <c>void</c>.</returns>
    public uint NameOffOf(uint typeId) => typeId < FirstTypeId
        ? (typeId == 0 ? 0 : Base!.NameOffOf(typeId))
        : Raw(typeId, 0);

    /// <summary>The name of a type (empty when anonymous).</summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>.</param>
    /// <returns>The name.</returns>
    public string NameOf(uint typeId) => GetString(NameOffOf(typeId));

    /// <summary>The name of a type, for diagnostics: <c>struct task_struct</c>, <c>[42] PTR</c>.</summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>.</param>
    /// <returns>A short description.</returns>
    public string Describe(uint typeId)
    {
        var name = NameOf(typeId);
        var kind = KindOf(typeId);
        return name.Length == 0
            ? string.Create(CultureInfo.InvariantCulture, $"[{typeId}] {kind}")
            : string.Create(CultureInfo.InvariantCulture, $"[{typeId}] {kind} '{name}'");
    }

    /// <summary>The UTF-8 bytes of the NUL-terminated string at <paramref name="offset"/> (libbpf's <c>btf__str_by_offset</c>), without allocating.</summary>
    /// <param name="offset">A string offset below <see cref="StringsEnd"/>; offsets below <see cref="StringsStart"/> read the base's strings.</param>
    /// <returns>The string's bytes, without the terminator.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset is not below <see cref="StringsEnd"/>.</exception>
    public ReadOnlySpan<byte> GetStringBytes(uint offset)
    {
        if (offset < StringsStart)
        {
            return Base!.GetStringBytes(offset);
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, StringsEnd);
        // The string section ends with NUL (validated), so a terminator is always found.
        var rest = Strings.Span[(int)(offset - StringsStart)..];
        return rest[..rest.IndexOf((byte)0)];
    }

    /// <summary>The string at <paramref name="offset"/> (see <see cref="GetStringBytes"/>).</summary>
    /// <param name="offset">A string offset below <see cref="StringsEnd"/>.</param>
    /// <returns>The decoded string.</returns>
    public string GetString(uint offset)
    {
        var bytes = GetStringBytes(offset);
        return bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Finds the lowest-id type with this exact name and kind, searching the base first (libbpf's <c>btf__find_by_name_kind</c>).</summary>
    /// <param name="name">The exact name.</param>
    /// <param name="kind">The kind.</param>
    /// <param name="typeId">The id found, or 0.</param>
    /// <returns>True when found.</returns>
    public bool TryFindType(string name, BtfKind kind, out uint typeId)
    {
        foreach (var id in FindTypes(name))
        {
            if (KindOf(id) == kind)
            {
                typeId = id;
                return true;
            }
        }

        typeId = 0;
        return false;
    }

    /// <summary>
    /// Finds a type as C names it: <c>struct event</c>, <c>union u</c> and <c>enum e</c> select the kind (enum: either
    /// width); a bare name is the first of <paramref name="bareKinds"/>, in their order, that has a type of that name.
    /// </summary>
    /// <param name="name">The name, with or without its C keyword.</param>
    /// <param name="bareKinds">The kinds a bare name may be, most wanted first.</param>
    /// <param name="typeId">The id found, or 0.</param>
    /// <returns>True when found.</returns>
    public bool TryFindCType(string name, ReadOnlySpan<BtfKind> bareKinds, out uint typeId)
    {
        ArgumentNullException.ThrowIfNull(name);
        var (keyword, bare) = name switch
        {
            _ when name.StartsWith("struct ", StringComparison.Ordinal) => (BtfKind.STRUCT, name[7..].Trim()),
            _ when name.StartsWith("union ", StringComparison.Ordinal) => (BtfKind.UNION, name[6..].Trim()),
            _ when name.StartsWith("enum ", StringComparison.Ordinal) => (BtfKind.ENUM, name[5..].Trim()),
            _ => (BtfKind.UNKN, name.Trim()),
        };
        ReadOnlySpan<BtfKind> kinds = keyword switch
        {
            BtfKind.UNKN => bareKinds,
            BtfKind.ENUM => [BtfKind.ENUM, BtfKind.ENUM64],
            BtfKind.STRUCT => [BtfKind.STRUCT],
            _ => [BtfKind.UNION],
        };
        var candidates = FindTypes(bare);
        foreach (var kind in kinds)
        {
            foreach (var id in candidates)
            {
                if (KindOf(id) == kind)
                {
                    typeId = id;
                    return true;
                }
            }
        }

        typeId = 0;
        return false;
    }

    /// <summary>Every type with exactly this name, any kind, in id order (base first).</summary>
    /// <param name="name">The exact name.</param>
    /// <returns>The ids.</returns>
    public IReadOnlyList<uint> FindTypes(string name) => Find(name, essential: false);

    /// <summary>
    /// Every type whose essential name (<see cref="BtfNames.EssentialLength"/>) equals <paramref name="essentialName"/>, in id
    /// order (base first): the CO-RE candidates for a local type such as <c>task_struct___pre_5_14</c>.
    /// </summary>
    /// <param name="essentialName">The essential name, without a flavor.</param>
    /// <returns>The ids.</returns>
    public IReadOnlyList<uint> FindTypesByEssentialName(string essentialName) => Find(essentialName, essential: true);

    /// <summary>
    /// Follows typedefs and modifiers (const, volatile, restrict, type tag) to the underlying type, as libbpf's
    /// <c>skip_mods_and_typedefs</c>, but gives up after 32 steps so a cyclic graph cannot hang.
    /// </summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>.</param>
    /// <returns>The first type that is not a typedef or modifier.</returns>
    /// <exception cref="BpfObjectFormatException">The chain is longer than 32 (a cycle).</exception>
    public uint SkipModifiers(uint typeId) => Skip(typeId, includeTypedefs: true);

    /// <summary>Follows only the modifiers (const, volatile, restrict, type tag), keeping typedefs; at most 32 steps.</summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>.</param>
    /// <returns>The first type that is not a modifier.</returns>
    /// <exception cref="BpfObjectFormatException">The chain is longer than 32 (a cycle).</exception>
    public uint SkipQualifiers(uint typeId) => Skip(typeId, includeTypedefs: false);

    /// <summary>
    /// The size in bytes of a type, as libbpf's <c>btf__resolve_size</c>: through typedefs, modifiers, variables and
    /// decl tags, multiplying array lengths; pointers are 8 bytes (BPF is a 64-bit target).
    /// </summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>.</param>
    /// <returns>The size.</returns>
    /// <exception cref="BpfObjectFormatException">The type has no size (void, function, forward), the chain is longer than 32, or the size exceeds 4 GiB.</exception>
    public uint GetSize(uint typeId)
    {
        var problem = ResolveSize(typeId, out var size);
        if (problem is not null)
        {
            ThrowAt(typeId, problem);
        }

        return size;
    }

    /// <summary>Like <see cref="GetSize"/>, without throwing.</summary>
    /// <param name="typeId">An id in <c>[0, TypeCount)</c>.</param>
    /// <param name="size">The size, or 0.</param>
    /// <returns>False when the type has no computable size.</returns>
    public bool TryGetSize(uint typeId, out uint size) => ResolveSize(typeId, out size) is null;

    /// <summary>Re-encodes this blob's own types and strings (see <see cref="BtfWriter"/>); identical to the input for what clang and the kernel write.</summary>
    /// <returns>The encoded BTF.</returns>
    public byte[] Encode() => BtfWriter.Write(OwnTypes, Strings.Span, Header.Flags);

    internal ReadOnlySpan<byte> OwnNameBytes(int index) => GetStringBytes(new BinaryBlock(_types.Span, Section).U32((ulong)_offsets[index]));

    internal int OwnTypeCount => _offsets.Length;

    private int OwnIndex(uint typeId)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(typeId, TypeCount);
        return (int)(typeId - FirstTypeId);
    }

    private uint Raw(uint typeId, int field) => new BinaryBlock(_types.Span, Section).U32((ulong)_offsets[OwnIndex(typeId)] + (ulong)field);

    private List<uint> Find(string name, bool essential)
    {
        ArgumentNullException.ThrowIfNull(name);
        var found = Base?.Find(name, essential) ?? [];
        var utf8 = Encoding.UTF8.GetBytes(name);
        var index = LazyInitializer.EnsureInitialized(ref _nameIndex, () => BtfNameIndex.Build(this));
        index.Collect(this, utf8, essential, found);
        return found;
    }

    private uint Skip(uint typeId, bool includeTypedefs)
    {
        var id = typeId;
        for (var depth = 0; depth <= BtfLayout.MaxResolveDepth; depth++)
        {
            var kind = KindOf(id);
            if (!(kind is BtfKind.CONST or BtfKind.VOLATILE or BtfKind.RESTRICT or BtfKind.TYPE_TAG
                || (includeTypedefs && kind == BtfKind.TYPEDEF)))
            {
                return id;
            }

            id = ((BtfReferenceType)TypeById(id)).TypeId;
        }

        ThrowAt(typeId, "modifier chain is longer than 32 types (a cycle?)");
        return 0;
    }

    private string? ResolveSize(uint typeId, out uint size)
    {
        size = 0;
        ulong nelems = 1;
        var id = typeId;
        for (var depth = 0; depth <= BtfLayout.MaxResolveDepth; depth++)
        {
            ulong elementSize;
            switch (TypeById(id))
            {
                case BtfInt t: elementSize = t.Size; break;
                case BtfComposite t: elementSize = t.Size; break;
                case BtfEnum t: elementSize = t.Size; break;
                case BtfEnum64 t: elementSize = t.Size; break;
                case BtfDatasec t: elementSize = t.Size; break;
                case BtfFloat t: elementSize = t.Size; break;
                case BtfPtr: elementSize = 8; break;
                case BtfReferenceType t: id = t.TypeId; continue;
                case BtfVar t: id = t.TypeId; continue;
                case BtfDeclTag t: id = t.TypeId; continue;
                case BtfArray t:
                    nelems *= t.Nelems;
                    if (nelems > uint.MaxValue)
                    {
                        return "array size exceeds 4 GiB";
                    }

                    id = t.TypeId;
                    continue;
                case var t:
                    return $"{t.Kind} has no size";
            }

            var total = nelems * elementSize;
            if (nelems != 0 && total / nelems != elementSize || total > uint.MaxValue)
            {
                return "size exceeds 4 GiB";
            }

            size = (uint)total;
            return null;
        }

        return "type chain is longer than 32 types (a cycle?)";
    }

    private void ThrowAt(uint typeId, string problem)
    {
        var owner = this;
        while (typeId < owner.FirstTypeId && owner.Base is not null)
        {
            owner = owner.Base;
        }

        long? offset = typeId >= owner.FirstTypeId && typeId < owner.TypeCount
            ? owner.Header.HdrLen + owner.Header.TypeOff + owner._offsets[typeId - owner.FirstTypeId]
            : null;
        BpfObjectFormatException.Throw($"BTF type {Describe(typeId)}: {problem}", owner.Section, offset);
    }
}
