namespace ManagedBpf.Programs.Tests;

/// <summary>Section targets parsed as libbpf parses them (no kernel needed).</summary>
public sealed class SectionTargetTests
{
    [Fact]
    public void Tracepoints_split_at_the_first_slash()
    {
        Assert.Equal(("syscalls", "sys_enter_getppid"), SectionTarget.Tracepoint("syscalls/sys_enter_getppid"));
        Assert.Throws<FormatException>(() => SectionTarget.Tracepoint("sys_enter_getppid"));
        Assert.Throws<FormatException>(() => SectionTarget.Tracepoint("syscalls/"));
    }

    [Theory]
    [InlineData("do_unlinkat", "do_unlinkat", 0ul)]
    [InlineData("do_unlinkat+16", "do_unlinkat", 16ul)]
    [InlineData("do_unlinkat+0x10", "do_unlinkat", 16ul)]
    [InlineData("do_unlinkat+020", "do_unlinkat", 16ul)]
    [InlineData("__x64_sys_bpf.cold", "__x64_sys_bpf.cold", 0ul)]
    public void Kprobes_read_a_function_and_a_C_integer_offset(string target, string function, ulong offset) =>
        Assert.Equal((function, offset), SectionTarget.Kprobe(target, retprobe: false));

    [Theory]
    [InlineData("+4")]
    [InlineData("func+")]
    [InlineData("func+0x")]
    [InlineData("func+09")]
    [InlineData("func-4")]
    public void Malformed_kprobe_targets_are_refused(string target) =>
        Assert.Throws<FormatException>(() => SectionTarget.Kprobe(target, retprobe: false));

    [Fact]
    public void A_kretprobe_takes_no_offset() =>
        Assert.Contains("no offset", Assert.Throws<FormatException>(() => SectionTarget.Kprobe("f+4", retprobe: true)).Message);

    [Theory]
    [InlineData("libc.so.6:malloc", "libc.so.6", "malloc", 0ul)]
    [InlineData("/proc/self/exe:managedbpf_probe_target", "/proc/self/exe", "managedbpf_probe_target", 0ul)]
    [InlineData("libc.so.6:malloc+0x8", "libc.so.6", "malloc", 8ul)]
    [InlineData("libc.so.6:malloc@@GLIBC_2.2.5", "libc.so.6", "malloc@@GLIBC_2.2.5", 0ul)]
    [InlineData("/usr/bin/x:operator+", "/usr/bin/x", "operator+", 0ul)]
    public void Uprobes_read_binary_function_and_offset(string target, string binary, string function, ulong offset) =>
        Assert.Equal((binary, function, offset), SectionTarget.Uprobe(target));

    [Theory]
    [InlineData("libc.so.6")]
    [InlineData("libc.so.6:")]
    [InlineData(":malloc")]
    public void A_uprobe_target_needs_a_binary_and_a_function(string target) =>
        Assert.Throws<FormatException>(() => SectionTarget.Uprobe(target));

    [Fact]
    public void A_ksyscall_target_is_the_architectures_syscall_wrapper() =>
        Assert.Equal(
            System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "__arm64_sys_unlinkat" : "__x64_sys_unlinkat",
            Program.SyscallWrapper("unlinkat"));

    [Theory]
    [InlineData("./app:provider:probe", "./app", "provider", "probe")]
    [InlineData("libc.so.6:libc:setjmp", "libc.so.6", "libc", "setjmp")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0:python:function__entry", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", "python", "function__entry")]
    public void Usdt_targets_are_binary_provider_and_name(string target, string binary, string provider, string name) =>
        Assert.Equal((binary, provider, name), SectionTarget.Usdt(target));

    [Theory]
    [InlineData("app:provider")]
    [InlineData("app::probe")]
    [InlineData(":provider:probe")]
    [InlineData("app:provider:")]
    [InlineData("app:provider:probe:extra")]
    public void Malformed_usdt_targets_are_refused(string target) =>
        Assert.Contains("usdt/<binary>:<provider>:<name>", Assert.Throws<FormatException>(() => SectionTarget.Usdt(target)).Message);
}
