namespace ManagedBpf.Buffers.Tests.Properties;

/// <summary>
/// Counts how often a property's runs reached each interesting path, so a test can prove its generator exercised
/// them (a property that never wraps proves nothing about wrapping).
/// </summary>
internal sealed class Coverage
{
    private readonly Dictionary<string, long> _hits = [];

    public void Hit(string path, bool when = true)
    {
        if (when)
            _hits[path] = _hits.GetValueOrDefault(path) + 1;
    }

    public void AssertReached(params string[] paths)
    {
        foreach (var path in paths)
            Assert.True(_hits.GetValueOrDefault(path) > 0, $"no run reached '{path}'; reached: {this}");
    }

    public override string ToString() => string.Join(", ", _hits.OrderBy(h => h.Key).Select(h => $"{h.Key}={h.Value}"));
}
