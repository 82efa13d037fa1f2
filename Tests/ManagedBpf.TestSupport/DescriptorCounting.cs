namespace ManagedBpf.TestSupport;

/// <summary>
/// The name of the xunit collection for tests that count this process's descriptors: each test project
/// declares it with DisableParallelization so no other test opens or closes descriptors meanwhile.
/// </summary>
public static class DescriptorCounting
{
    /// <summary>The collection name.</summary>
    public const string Collection = "Descriptor counting";
}
