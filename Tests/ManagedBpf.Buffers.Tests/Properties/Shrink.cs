namespace ManagedBpf.Buffers.Tests.Properties;

/// <summary>Shrinks an operation sequence, so a failing scenario is reported with as few operations as still fail.</summary>
internal static class Shrink
{
    public static IEnumerable<T[]> Ops<T>(T[] ops)
    {
        if (ops.Length == 0)
            yield break;
        yield return [];
        if (ops.Length > 1)
        {
            yield return ops[..(ops.Length / 2)];
            yield return ops[(ops.Length / 2)..];
        }

        for (var i = 0; i < ops.Length; i++)
            yield return [.. ops[..i], .. ops[(i + 1)..]];
    }
}
