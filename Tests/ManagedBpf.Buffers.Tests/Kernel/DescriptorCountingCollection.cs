using ManagedBpf.TestSupport;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>Tests that count descriptors and mappings run alone, after the parallel ones.</summary>
[CollectionDefinition(DescriptorCounting.Collection, DisableParallelization = true)]
public sealed class DescriptorCountingCollection;
