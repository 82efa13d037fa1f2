namespace ManagedBpf.Kernel;

/// <summary>One ready descriptor reported by <see cref="EpollSet.Wait(Span{EpollReady}, int, CancellationToken)"/>.</summary>
/// <param name="Events">What is ready.</param>
/// <param name="Data">The value given when the descriptor was added (an index, usually).</param>
public readonly record struct EpollReady(EpollEvents Events, ulong Data);
