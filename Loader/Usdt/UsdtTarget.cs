namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// One place to put a uprobe for a USDT probe (libbpf's <c>struct usdt_target</c>): the note, the probe's file
/// offset (what the uprobe takes), its semaphore's file offset (the uprobe's <c>ref_ctr_offset</c>), and its address.
/// </summary>
/// <param name="Note">The note this site comes from.</param>
/// <param name="Address">
/// <c>abs_ip</c>: the probe's virtual address after the <c>.stapsdt.base</c> adjustment. In an executable (<c>ET_EXEC</c>)
/// that is where it runs; in a shared object or PIE (<c>ET_DYN</c>) it is relative to the load address until
/// <see cref="UsdtTargets.Relocate"/> places it in one process.
/// </param>
/// <param name="FileOffset"><c>rel_ip</c>: the probe's offset in the file, through the executable <c>PT_LOAD</c> segment that maps it.</param>
/// <param name="SemaphoreOffset"><c>sema_off</c>: the semaphore's offset in the file, through the non-executable segment that maps it; 0 when the probe has none.</param>
/// <param name="Arguments">The note's arguments, parsed.</param>
public sealed record UsdtTarget(UsdtNote Note, ulong Address, ulong FileOffset, ulong SemaphoreOffset, IReadOnlyList<UsdtArgument> Arguments);
