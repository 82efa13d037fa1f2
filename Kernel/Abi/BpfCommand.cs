namespace ManagedBpf.Kernel;

/// <summary>A <c>bpf(2)</c> command.</summary>
/// <remarks>Member names and values mirror the kernel's uapi <c>enum bpf_cmd</c> (include/uapi/linux/bpf.h).</remarks>
#pragma warning disable CS1591 // Members are the kernel's own constants; the uapi header documents them.
public enum BpfCommand
{
    MAP_CREATE = 0,
    MAP_LOOKUP_ELEM = 1,
    MAP_UPDATE_ELEM = 2,
    MAP_DELETE_ELEM = 3,
    MAP_GET_NEXT_KEY = 4,
    PROG_LOAD = 5,
    OBJ_PIN = 6,
    OBJ_GET = 7,
    PROG_ATTACH = 8,
    PROG_DETACH = 9,
    PROG_TEST_RUN = 10,
    PROG_GET_NEXT_ID = 11,
    MAP_GET_NEXT_ID = 12,
    PROG_GET_FD_BY_ID = 13,
    MAP_GET_FD_BY_ID = 14,
    OBJ_GET_INFO_BY_FD = 15,
    PROG_QUERY = 16,
    RAW_TRACEPOINT_OPEN = 17,
    BTF_LOAD = 18,
    BTF_GET_FD_BY_ID = 19,
    TASK_FD_QUERY = 20,
    MAP_LOOKUP_AND_DELETE_ELEM = 21,
    MAP_FREEZE = 22,
    BTF_GET_NEXT_ID = 23,
    MAP_LOOKUP_BATCH = 24,
    MAP_LOOKUP_AND_DELETE_BATCH = 25,
    MAP_UPDATE_BATCH = 26,
    MAP_DELETE_BATCH = 27,
    LINK_CREATE = 28,
    LINK_UPDATE = 29,
    LINK_GET_FD_BY_ID = 30,
    LINK_GET_NEXT_ID = 31,
    ENABLE_STATS = 32,
    ITER_CREATE = 33,
    LINK_DETACH = 34,
    PROG_BIND_MAP = 35,
    TOKEN_CREATE = 36,
    PROG_STREAM_READ_BY_FD = 37,
}
#pragma warning restore CS1591
