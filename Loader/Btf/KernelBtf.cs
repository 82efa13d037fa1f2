namespace ManagedBpf.Loader.Btf;

/// <summary>
/// The running kernel's BTF from sysfs (<c>CONFIG_DEBUG_INFO_BTF</c>, kernel 5.4+): <c>/sys/kernel/btf/vmlinux</c>, and
/// module BTF in <c>/sys/kernel/btf/&lt;module&gt;</c> as split BTF on top of it. Reading a file is the only effect here.
/// </summary>
public static class KernelBtf
{
    /// <summary>Where the kernel exposes its own BTF.</summary>
    public const string DefaultPath = "/sys/kernel/btf/vmlinux";

    /// <summary>The directory holding vmlinux and module BTF.</summary>
    public const string SysfsDirectory = "/sys/kernel/btf";

    private static readonly Lazy<BtfSpec> s_default = new(() => Load(DefaultPath), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The running kernel's BTF, read and parsed once on first use and shared (about 5-6 MB kept as raw bytes plus a 4-byte index per type).</summary>
    /// <exception cref="IOException">The file cannot be read (no <c>CONFIG_DEBUG_INFO_BTF</c>, or sysfs not mounted).</exception>
    /// <exception cref="BpfObjectFormatException">The kernel's BTF is malformed.</exception>
    public static BtfSpec Default => s_default.Value;

    /// <summary>Reads and parses a BTF file, such as <see cref="DefaultPath"/> or a saved copy of another kernel's BTF.</summary>
    /// <param name="path">The BTF file.</param>
    /// <param name="baseBtf">For a module's split BTF, the vmlinux BTF it extends.</param>
    /// <returns>The parsed BTF.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="BpfObjectFormatException">The file is not valid BTF.</exception>
    public static BtfSpec Load(string path = DefaultPath, BtfSpec? baseBtf = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return BtfSpec.Parse(File.ReadAllBytes(path), baseBtf, path);
    }

    /// <summary>Reads a kernel module's split BTF from <c>/sys/kernel/btf/&lt;module&gt;</c> on top of <see cref="Default"/>.</summary>
    /// <param name="module">The module name, such as <c>nf_conntrack</c>.</param>
    /// <returns>The module's BTF, whose ids continue after vmlinux's.</returns>
    /// <exception cref="IOException">The module has no BTF (not loaded, or built without it).</exception>
    /// <exception cref="BpfObjectFormatException">The module's BTF is malformed.</exception>
    public static BtfSpec LoadModule(string module)
    {
        ArgumentException.ThrowIfNullOrEmpty(module);
        if (module.Contains('/', StringComparison.Ordinal) || module is "." or "..")
        {
            throw new ArgumentException($"'{module}' is not a module name", nameof(module));
        }

        return Load(Path.Combine(SysfsDirectory, module), Default);
    }
}
