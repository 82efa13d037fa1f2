using ManagedBpf.TestSupport;
namespace ManagedBpf.Loader.Tests.Corpus;

/// <summary>What ManagedBpf (<c>ObjectSpec.Open(path).Load(...)</c>) did with an object.</summary>
/// <param name="Tags">Program name (in full, as libbpf names it: the function's) → kernel tag, when it loaded; else null.</param>
/// <param name="Refusal">The exception it refused with, when it did.</param>
internal sealed record ManagedBpfOutcome(IReadOnlyDictionary<string, string>? Tags, Exception? Refusal)
{
    public bool Loaded => Tags is not null;

    /// <summary>The refusal as the table shows it: exception type and the message's first line.</summary>
    public string RefusalSummary => Refusal is null ? "" : $"{Refusal.GetType().Name}: {Refusal.Message.Split('\n')[0].Trim()}";

    /// <summary>Opens and loads <paramref name="obj"/> (maps pinned by name go under <paramref name="pinDirectory"/>), then closes everything.</summary>
    public static ManagedBpfOutcome Run(string obj, string pinDirectory)
    {
        try
        {
            using var collection = ObjectSpec.Open(obj).Load(new CollectionOptions { PinDirectory = pinDirectory });
            return new ManagedBpfOutcome(collection.Programs.ToDictionary(p => p.Key, p => p.Value.Tag), null);
        }
        catch (Exception e)
        {
            return new ManagedBpfOutcome(null, e);
        }
    }
}
