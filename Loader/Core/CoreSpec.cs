using System.Globalization;
using System.Text;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// A resolved access path in one BTF, libbpf's <c>struct bpf_core_spec</c>. <see cref="Raw"/> is the low-level path
/// (one index per step, anonymous members included: the access string); <see cref="Accessors"/> keeps only the steps
/// that carry meaning across BTFs (the root element, named members, array elements), which is what candidates are
/// matched on. Type-based specs have neither.
/// </summary>
internal sealed class CoreSpec
{
    /// <summary>libbpf's <c>BPF_CORE_SPEC_MAX_LEN</c>: the longest access path, raw or high-level.</summary>
    public const int MaxLength = 64;

    public CoreSpec(BtfSpec btf, uint rootTypeId, BpfCoreReloKind kind)
    {
        Btf = btf;
        RootTypeId = rootTypeId;
        Kind = kind;
    }

    public BtfSpec Btf { get; }

    /// <summary>The type the relocation names (local) or the candidate (target), as given: modifiers not skipped.</summary>
    public uint RootTypeId { get; }

    public BpfCoreReloKind Kind { get; }

    /// <summary>libbpf's <c>spec[]</c>/<c>len</c>: the high-level accessors.</summary>
    public List<CoreAccessor> Accessors { get; } = [];

    /// <summary>libbpf's <c>raw_spec[]</c>/<c>raw_len</c>: every index walked.</summary>
    public List<int> Raw { get; } = [];

    /// <summary>
    /// The field's offset from the start of the root, in bits. libbpf keeps it in a u32 and lets it wrap; here it is a
    /// ulong and a spec whose offset leaves the u32 range is refused (see <see cref="AddBits"/>).
    /// </summary>
    public ulong BitOffset { get; set; }

    /// <summary>Moves <see cref="BitOffset"/> on by <paramref name="bits"/>, failing the relocation when it leaves libbpf's u32.</summary>
    public void AddBits(CoreReloContext context, UInt128 bits)
    {
        var total = BitOffset + bits;
        if (total > uint.MaxValue)
        {
            context.Fail(string.Create(CultureInfo.InvariantCulture, $"field bit offset {total} in {CoreReloKinds.DescribeType(Btf, RootTypeId)} exceeds 32 bits"));
        }

        BitOffset = (ulong)total;
    }

    /// <summary>The bits spanned by <paramref name="count"/> elements of <paramref name="size"/> bytes, without overflow.</summary>
    public static UInt128 ElementBits(int count, uint size) => (UInt128)(uint)count * size * 8;

    /// <summary>
    /// libbpf's <c>bpf_core_format_spec</c> without the kind prefix: <c>[13] struct task_struct.pid (0:92 @ offset 1264)</c>,
    /// <c>[7] enum bpf_map_type::BPF_MAP_TYPE_RINGBUF = 27</c>, <c>[13] struct task_struct</c>.
    /// </summary>
    public string Format()
    {
        var text = new StringBuilder(CoreReloKinds.DescribeType(Btf, RootTypeId));
        if (CoreReloKinds.IsEnumValBased(Kind) && Raw.Count > 0)
        {
            AppendEnumerator(text);
        }
        else if (CoreReloKinds.IsFieldBased(Kind))
        {
            AppendField(text);
        }

        return text.ToString();
    }

    private void AppendEnumerator(StringBuilder text)
    {
        var index = Raw[0];
        switch (Btf.TypeById(Btf.SkipModifiers(RootTypeId)))
        {
            case BtfEnum e when index < e.Values.Length:
                var v = e.Values[index];
                text.Append(CultureInfo.InvariantCulture, $"::{Btf.GetString(v.NameOff)} = {e.ValueOf(v)}");
                break;
            case BtfEnum64 e when index < e.Values.Length:
                var v64 = e.Values[index];
                var value = e.IsSigned ? ((long)v64.Val).ToString(CultureInfo.InvariantCulture) : v64.Val.ToString(CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $"::{Btf.GetString(v64.NameOff)} = {value}");
                break;
        }
    }

    private void AppendField(StringBuilder text)
    {
        for (var i = 0; i < Accessors.Count; i++)
        {
            var accessor = Accessors[i];
            if (accessor.Name is not null)
            {
                text.Append('.').Append(accessor.Name);
            }
            else if (i > 0 || accessor.Index > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"[{accessor.Index}]");
            }
        }

        text.Append(" (").AppendJoin(':', Raw);
        text.Append(CultureInfo.InvariantCulture, $" @ offset {BitOffset / 8}");
        if (BitOffset % 8 != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $".{BitOffset % 8}");
        }

        text.Append(')');
    }
}
