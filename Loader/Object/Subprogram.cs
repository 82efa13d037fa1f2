namespace ManagedBpf.Loader;

/// <summary>A function of <c>.text</c> that programs call or pass as a callback; appended to each program that uses it.</summary>
/// <param name="Name">The function name.</param>
/// <param name="Start">Its first instruction in <c>.text</c>.</param>
/// <param name="Count">Its instruction count (from the symbol's size).</param>
internal sealed record Subprogram(string Name, int Start, int Count);
