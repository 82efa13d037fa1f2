using System.Collections.Immutable;

namespace ManagedBpf.Loader.Btf;

/// <summary>The records of one ELF section in a <c>.BTF.ext</c> subsection (libbpf's <c>struct btf_ext_info_sec</c>).</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class BtfExtInfoSec<T>
{
    internal BtfExtInfoSec(uint secNameOff, string secName, ImmutableArray<T> records)
    {
        SecNameOff = secNameOff;
        SecName = secName;
        Records = records;
    }

    /// <summary><c>sec_name_off</c>: the ELF section name's offset in <c>.BTF</c>'s strings.</summary>
    public uint SecNameOff { get; }

    /// <summary>The ELF section name, such as <c>tp_btf/sched_switch</c> or <c>.text</c>.</summary>
    public string SecName { get; }

    /// <summary>The records (<c>num_info</c> of them), in file order.</summary>
    public ImmutableArray<T> Records { get; }
}

/// <summary>One <c>.BTF.ext</c> subsection (func_info, line_info or core_relo; libbpf's <c>struct btf_ext_info</c>).</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class BtfExtInfo<T>
{
    internal BtfExtInfo(uint recSize, ImmutableArray<BtfExtInfoSec<T>> sections)
    {
        RecSize = recSize;
        Sections = sections;
    }

    /// <summary>An absent or empty subsection.</summary>
    internal static BtfExtInfo<T> Empty { get; } = new(0, []);

    /// <summary>The record size written by the compiler (at least the known record size; extra bytes are ignored). 0 when absent.</summary>
    public uint RecSize { get; }

    /// <summary>The per-section record lists.</summary>
    public ImmutableArray<BtfExtInfoSec<T>> Sections { get; }

    /// <summary>The records for the ELF section named <paramref name="secName"/>, or empty.</summary>
    /// <param name="secName">An ELF section name.</param>
    /// <returns>The records.</returns>
    public ImmutableArray<T> For(string secName)
    {
        foreach (var section in Sections)
        {
            if (section.SecName == secName)
            {
                return section.Records;
            }
        }

        return [];
    }

    /// <summary>The number of records across all sections.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var section in Sections)
            {
                count += section.Records.Length;
            }

            return count;
        }
    }
}
