namespace ManagedBpf.Kernel;

/// <summary>epoll event bits (include/uapi/linux/eventpoll.h).</summary>
[Flags]
public enum EpollEvents : uint
{
    /// <summary>No events.</summary>
    None = 0,

    /// <summary>EPOLLIN: data to read (a ring buffer or perf buffer has records).</summary>
    In = 0x001,

    /// <summary>EPOLLOUT: room to write (a user ring buffer has free space).</summary>
    Out = 0x004,

    /// <summary>EPOLLERR.</summary>
    Error = 0x008,

    /// <summary>EPOLLHUP.</summary>
    HangUp = 0x010,

    /// <summary>EPOLLET: report a descriptor once per change of readiness, not while it stays ready.</summary>
    EdgeTriggered = 1u << 31,
}
