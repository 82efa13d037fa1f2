using System.Runtime.CompilerServices;

// Tests reach the loader's internal steps (sanitiser, linker) directly.
[assembly: InternalsVisibleTo("ManagedBpf.Loader.Tests")]
