namespace ManagedBpf.Programs;

/// <summary>What BPF_PROG_TEST_RUN reported.</summary>
/// <param name="ReturnValue">The program's return value (of the last run when repeated).</param>
/// <param name="Duration">The average time of one run, as the kernel measured it.</param>
/// <param name="DataOutLength">Bytes the kernel wrote to the data-out buffer.</param>
/// <param name="ContextOutLength">Bytes the kernel wrote to the context-out buffer.</param>
public readonly record struct TestRunResult(uint ReturnValue, TimeSpan Duration, int DataOutLength, int ContextOutLength);
