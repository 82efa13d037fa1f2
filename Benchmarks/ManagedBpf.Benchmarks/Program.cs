using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using EnvironmentVariable = BenchmarkDotNet.Jobs.EnvironmentVariable;
using BenchmarkDotNet.Running;

// The pure parsing paths of the ring and perf buffer readers over the simulators (no kernel), with the memory
// diagnoser. The default job is short (one launch, 3 warm-ups, 5 iterations); pass --filter to pick benchmarks,
// e.g. `dotnet run -c Release --project Benchmarks/ManagedBpf.Benchmarks -- --filter '*Ring*'`.
// One invocation per iteration (the ring is refilled in [IterationSetup]) means too few calls for tiered
// compilation to reach tier 1, so the job runs fully optimised from the start (DOTNET_TieredCompilation=0, as a
// NativeAOT build would); otherwise it would measure tier-0/OSR code.
var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1)
        .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TieredCompilation", "0")));
BenchmarkSwitcher.FromAssembly(typeof(ManagedBpf.Benchmarks.RingConsumerBenchmarks).Assembly)
    .Run(args.Length == 0 ? ["--filter", "*"] : args, config);
