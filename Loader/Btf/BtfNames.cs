namespace ManagedBpf.Loader.Btf;

/// <summary>Name rules shared by CO-RE and map definitions.</summary>
public static class BtfNames
{
    /// <summary>
    /// The length of the "essential" part of a type or field name: everything before the last <c>X___Y</c> flavor
    /// separator (three underscores between two non-underscores), as libbpf's <c>bpf_core_essential_name_len</c>.
    /// <c>task_struct___pre_5_14</c> → <c>task_struct</c>; <c>___x</c> and <c>a____b</c> are not flavored.
    /// </summary>
    /// <param name="name">The name's UTF-8 bytes.</param>
    /// <returns>The essential prefix length.</returns>
    public static int EssentialLength(ReadOnlySpan<byte> name)
    {
        for (var i = name.Length - 5; i >= 0; i--)
        {
            if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
            {
                return i + 1;
            }
        }

        return name.Length;
    }

    /// <summary>The name without its <c>___flavor</c> suffix (see <see cref="EssentialLength(ReadOnlySpan{byte})"/>).</summary>
    /// <param name="name">A type or field name.</param>
    /// <returns>The essential name; <paramref name="name"/> itself when it has no flavor.</returns>
    public static string EssentialName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = name.Length - 5; i >= 0; i--)
        {
            if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
            {
                return name[..(i + 1)];
            }
        }

        return name;
    }
}
