using System.Runtime.CompilerServices;

// The pure parts of attaching (section targets, the mechanism choice) are unit-tested directly.
[assembly: InternalsVisibleTo("ManagedBpf.Programs.Tests")]

// USDT attachment is assembled in the Loader (it needs the ELF reader and the object's maps) into a UsdtLink made here.
[assembly: InternalsVisibleTo("ManagedBpf.Loader")]
