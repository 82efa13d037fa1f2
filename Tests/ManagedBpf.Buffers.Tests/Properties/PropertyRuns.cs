using FsCheck;
using FsCheck.Fluent;

namespace ManagedBpf.Buffers.Tests.Properties;

/// <summary>How many cases each property runs, and the one way they are run.</summary>
internal static class PropertyRuns
{
    public const int Ring = 4_000;
    public const int Perf = 2_500;
    public const int Guard = 2_000;

    /// <summary>
    /// Runs <paramref name="property"/> on <paramref name="cases"/> generated scenarios. QuickThrowOnFailure: a
    /// counterexample (shrunk with <paramref name="shrink"/>) fails the test; a printing quick config would not.
    /// </summary>
    public static void Check<T>(int cases, Gen<T> scenarios, Func<T, IEnumerable<T>> shrink, Action<T> property) =>
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), Prop.ForAll(Arb.From(scenarios, shrink), property));
}
