namespace ManagedBpf.Programs;

/// <summary>A loaded program and what its section says about where it attaches.</summary>
/// <param name="Program">The program.</param>
/// <param name="SectionKind">The kind part of its section name (<c>tp</c>, <c>raw_tp</c>, <c>uprobe</c>, <c>xdp</c>…; the Loader's <c>ProgramSection.Kind</c>), or null when the section is unknown.</param>
/// <param name="AttachTarget">What follows the kind's <c>/</c> (<c>syscalls/sys_enter_getppid</c>, <c>libc.so.6:malloc</c>), or null.</param>
public sealed record AutoAttachRequest(Program Program, string? SectionKind, string? AttachTarget);
