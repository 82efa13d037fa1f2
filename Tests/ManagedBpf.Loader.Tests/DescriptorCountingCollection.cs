using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>Tests that count open descriptors run alone, after the parallel ones.</summary>
[CollectionDefinition(DescriptorCounting.Collection, DisableParallelization = true)]
public sealed class DescriptorCountingCollection;
