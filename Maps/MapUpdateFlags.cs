namespace ManagedBpf.Maps;

/// <summary>Flags of BPF_MAP_UPDATE_ELEM.</summary>
public enum MapUpdateFlags : ulong
{
    /// <summary>BPF_ANY: create or replace.</summary>
    Any = 0,

    /// <summary>BPF_NOEXIST: create only; EEXIST if the key is present.</summary>
    NoExist = 1,

    /// <summary>BPF_EXIST: replace only; ENOENT if the key is absent. For a queue, overwrite the oldest when full.</summary>
    Exist = 2,

    /// <summary>BPF_F_LOCK: update under the value's bpf_spin_lock.</summary>
    Lock = 4,
}
