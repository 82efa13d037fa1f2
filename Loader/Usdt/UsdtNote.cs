namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// One USDT probe site as <c>sys/sdt.h</c> records it: an <c>NT_STAPSDT</c> (type 3) note of owner <c>stapsdt</c> in
/// <c>.note.stapsdt</c>, whose descriptor holds three addresses (pc, <c>.stapsdt.base</c>, semaphore) and three
/// NUL-terminated strings (provider, name, argument specification). <c>readelf -n</c> prints them as Location,
/// Base, Semaphore, Provider, Name and Arguments.
/// </summary>
/// <param name="Provider">The provider, the first half of the probe's <c>provider:name</c>.</param>
/// <param name="Name">The probe's name.</param>
/// <param name="Arguments">The argument specification, such as <c>-4@%edi 8@-16(%rbp) 4@$5</c>; empty when the probe has none.</param>
/// <param name="Location">The probe's pc: the link-time virtual address of its <c>nop</c>.</param>
/// <param name="Base">The link-time address of <c>.stapsdt.base</c> the note was written against, or 0.</param>
/// <param name="Semaphore">The link-time virtual address of the probe's 2-byte semaphore (in <c>.probes</c>), or 0 when it has none.</param>
/// <param name="NoteOffset">Where the note starts in <c>.note.stapsdt</c>, for messages.</param>
public sealed record UsdtNote(string Provider, string Name, string Arguments, ulong Location, ulong Base, ulong Semaphore, ulong NoteOffset)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Provider}:{Name}";
}
