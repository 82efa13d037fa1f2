namespace ManagedBpf.TestSupport;

/// <summary>
/// A test that reads the running kernel's BTF (no privileges needed): skipped with the reason when the kernel
/// publishes none (CONFIG_DEBUG_INFO_BTF off), never under MANAGEDBPF_REQUIRE_KERNEL=1, where it fails instead.
/// </summary>
public sealed class KernelBtfFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute, setting Skip when there is no kernel BTF to read.</summary>
    public KernelBtfFactAttribute()
    {
        if (!KernelTestEnvironment.KernelRequired && !File.Exists("/sys/kernel/btf/vmlinux"))
            Skip = "/sys/kernel/btf/vmlinux is missing (CONFIG_DEBUG_INFO_BTF off): kernel BTF tests cannot run here.";
    }
}
