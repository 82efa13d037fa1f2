using System.Runtime.CompilerServices;

// The pure parts of attaching (section targets, the mechanism choice) are unit-tested directly.
[assembly: InternalsVisibleTo("ManagedBpf.Programs.Tests")]
