namespace ManagedBpf.Loader.Usdt;

/// <summary>Where a USDT argument lives: <c>enum __bpf_usdt_arg_type</c> of libbpf's <c>usdt.bpf.h</c>, with its values.</summary>
public enum UsdtArgumentKind
{
    /// <summary><c>BPF_USDT_ARG_CONST</c>: an immediate, <c>4@$5</c>; the value is the spec's <c>val_off</c>.</summary>
    Constant = 0,

    /// <summary><c>BPF_USDT_ARG_REG</c>: a register, <c>-4@%edi</c>; read from <c>struct pt_regs</c> at <c>reg_off</c>.</summary>
    Register = 1,

    /// <summary><c>BPF_USDT_ARG_REG_DEREF</c>: memory at a register plus an offset, <c>8@-16(%rbp)</c> or <c>8@(%rsp)</c>.</summary>
    RegisterDereference = 2,

    /// <summary>
    /// <c>BPF_USDT_ARG_SIB</c>: memory at base + index × scale + offset, <c>1@-96(%rbp,%rax,8)</c>. Only <c>usdt.bpf.h</c>
    /// of libbpf 1.7 and later reads it; objects built with older headers (libbpf 1.1's among them) cannot.
    /// </summary>
    ScaleIndexBase = 3,
}
