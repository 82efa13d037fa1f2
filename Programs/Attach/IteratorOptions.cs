using ManagedBpf.Maps;

namespace ManagedBpf.Programs;

/// <summary>What an iterator walks, for the targets that take a parameter (<c>union bpf_iter_link_info</c>). Set at most one.</summary>
public sealed record IteratorOptions
{
    /// <summary>The map a map-element iterator (<c>iter/bpf_map_elem</c>, <c>iter/sockmap</c>…) walks.</summary>
    public Map? Map { get; init; }

    /// <summary>Limit a task, task_file or task_vma iterator to this process (6.1+).</summary>
    public int? ProcessId { get; init; }

    /// <summary>Limit a task, task_file or task_vma iterator to this thread (6.1+).</summary>
    public int? ThreadId { get; init; }
}
