using System.Globalization;

namespace ManagedBpf.Kernel;

/// <summary>
/// What a descriptor refers to, as procfs names it: the target of <c>/proc/self/fd/N</c>. BPF_OBJ_GET and
/// BPF_OBJ_GET_INFO_BY_FD accept maps, programs, links and BTF alike, so this is how a caller learns which
/// one it holds. The kernel names a map "bpf-map", a program "bpf-prog", and a link "bpf_link" when creating
/// it but "bpf-link" when reopening it (bpf_link_prime vs bpf_link_new_fd).
/// </summary>
internal static class DescriptorKind
{
    /// <summary>The descriptor's procfs link target, e.g. <c>anon_inode:bpf-map</c>; null when procfs cannot say.</summary>
    internal static string? Of(SafeFdHandle fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        using var lease = fd.Borrow();
        return new FileInfo(string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{lease.Fd}")).LinkTarget;
    }

    /// <summary>Whether <paramref name="kind"/> (from <see cref="Of"/>) names a BPF map.</summary>
    internal static bool IsMap(string? kind) => kind is "anon_inode:bpf-map";

    /// <summary>Whether <paramref name="kind"/> (from <see cref="Of"/>) names a BPF program.</summary>
    internal static bool IsProgram(string? kind) => kind is "anon_inode:bpf-prog";

    /// <summary>
    /// Whether <paramref name="kind"/> (from <see cref="Of"/>) names any object BPF_OBJ_GET_INFO_BY_FD answers for
    /// (map, program, link, BTF), each in its own info struct: reading one as another succeeds with garbage.
    /// </summary>
    internal static bool IsBpfObject(string? kind) => IsMap(kind) || IsProgram(kind) || IsLink(kind) || kind is "anon_inode:btf";

    /// <summary>Whether <paramref name="kind"/> (from <see cref="Of"/>) names a bpf_link, created or reopened.</summary>
    internal static bool IsLink(string? kind) => kind is "anon_inode:bpf_link" or "anon_inode:bpf-link";
}
