namespace ManagedBpf.TestSupport;

/// <summary>A test against the real kernel: skipped with the reason when it cannot run, never under MANAGEDBPF_REQUIRE_KERNEL=1.</summary>
public sealed class KernelFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute, setting Skip when kernel tests cannot run here.</summary>
    public KernelFactAttribute()
    {
        if (KernelTestEnvironment.SkipReason is { } reason)
            Skip = reason;
    }
}

/// <summary>A data-driven test against the real kernel; see <see cref="KernelFactAttribute"/>.</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    /// <summary>Creates the attribute, setting Skip when kernel tests cannot run here.</summary>
    public KernelTheoryAttribute()
    {
        if (KernelTestEnvironment.SkipReason is { } reason)
            Skip = reason;
    }
}
