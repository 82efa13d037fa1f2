using System.Runtime.CompilerServices;

// The syscall layer (attr layouts, Bpf, Libc) is internal, as cilium/ebpf keeps it in internal/sys:
// the modules call it, users call the modules.
[assembly: InternalsVisibleTo("ManagedBpf.Maps")]
[assembly: InternalsVisibleTo("ManagedBpf.Programs")]
[assembly: InternalsVisibleTo("ManagedBpf.Buffers")]
[assembly: InternalsVisibleTo("ManagedBpf.Loader")]
[assembly: InternalsVisibleTo("ManagedBpf.Kernel.Tests")]
[assembly: InternalsVisibleTo("ManagedBpf.Maps.Tests")]
[assembly: InternalsVisibleTo("ManagedBpf.Buffers.Tests")]
[assembly: InternalsVisibleTo("ManagedBpf.Loader.Tests")]
[assembly: InternalsVisibleTo("ManagedBpf.Programs.Tests")]
