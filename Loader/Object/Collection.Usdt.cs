using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

public sealed partial class Collection
{
    private readonly Lock _usdtLock = new();
    private UsdtManager? _usdt;

    /// <summary>
    /// True when the object's programs find their USDT spec through the BPF cookie (5.15+), false when through
    /// <c>__bpf_usdt_ip_to_spec_id</c>: what <c>LINUX_HAS_BPF_COOKIE</c> told them at load.
    /// </summary>
    internal bool BpfCookie { get; init; }

    /// <summary>How many of <c>__bpf_usdt_specs</c>' slots USDT links of this collection hold now.</summary>
    internal int UsdtSpecIdsInUse => _usdt?.SpecIdsInUse ?? 0;

    /// <summary>
    /// Attaches a program to a USDT probe as libbpf's <c>bpf_program__attach_usdt</c> does: every note of
    /// <paramref name="provider"/>:<paramref name="name"/> in <c>.note.stapsdt</c> of <paramref name="binary"/> is a site;
    /// each distinct argument specification is parsed, laid out as the object's <c>struct __bpf_usdt_spec</c> and written
    /// to <c>__bpf_usdt_specs</c> under a spec id of this collection's pool; each site gets a uprobe at its file offset
    /// that counts its semaphore (<c>ref_ctr_offset</c>) and carries its spec id as BPF cookie (or, on kernels without
    /// cookies, an entry of <c>__bpf_usdt_ip_to_spec_id</c> keyed by its address). Disposing the link detaches every
    /// uprobe and frees the ids.
    /// </summary>
    /// <param name="programName">A loaded program (a <c>usdt</c> section's, or any KPROBE program that uses <c>usdt.bpf.h</c>).</param>
    /// <param name="binary">An executable or shared object: a path, or a bare name looked up as libbpf does (<see cref="UprobeBinary.ResolvePath"/>).</param>
    /// <param name="provider">The probe's provider.</param>
    /// <param name="name">The probe's name.</param>
    /// <param name="options">The process to trace and the USDT cookie.</param>
    /// <returns>The attachment: one uprobe per site.</returns>
    /// <exception cref="ArgumentException"><paramref name="binary"/> or <paramref name="name"/> is empty.</exception>
    /// <exception cref="KeyNotFoundException">No such loaded program, the binary has no such probe (the message lists those it has), or the process does not map the binary.</exception>
    /// <exception cref="FileNotFoundException">The binary cannot be found.</exception>
    /// <exception cref="InvalidOperationException">The object does not include <c>usdt.bpf.h</c>; its spec map is full (libbpf: E2BIG); or, without BPF cookies, a site's address is already attached through this collection.</exception>
    /// <exception cref="BpfObjectFormatException">The binary is not an ELF executable or shared object, a USDT note is malformed, or the object's <c>usdt.bpf.h</c> types are.</exception>
    /// <exception cref="FormatException">An argument specification of the probe is not one libbpf reads (the message names it).</exception>
    /// <exception cref="NotSupportedException">
    /// An argument uses scale-index-base addressing and the object's <c>usdt.bpf.h</c> predates libbpf 1.7; the kernel
    /// cannot count the probe's semaphore; or, without BPF cookies, a shared object or PIE is probed in every process.
    /// </exception>
    /// <exception cref="BpfAttachNotSupportedException">This kernel has no uprobe PMU.</exception>
    /// <exception cref="ManagedBpf.Kernel.BpfSyscallException">A map update, perf_event_open or the attachment failed; the message has the errno and a hint.</exception>
    public UsdtLink AttachUsdt(string programName, string binary, string provider, string name, UsdtOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(programName);
        ArgumentException.ThrowIfNullOrEmpty(binary);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return AttachLoadedUsdt(Program(programName), binary, provider, name, options);
    }

    private UsdtLink AttachLoadedUsdt(Program program, string binary, string provider, string name, UsdtOptions? options)
    {
        UsdtManager usdt;
        lock (_usdtLock)
            usdt = _usdt ??= UsdtManager.Create(this, BpfCookie);
        return usdt.Attach(program, binary, provider, name, options ?? new UsdtOptions());
    }
}
