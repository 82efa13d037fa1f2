namespace ManagedBpf.Programs;

/// <summary>Where an XDP program runs: the <c>XDP_FLAGS_*_MODE</c> flags of the attachment.</summary>
public enum XdpMode : uint
{
    /// <summary>No mode flag: the kernel uses the driver (native) hook when the driver has one, else generic.</summary>
    Default = 0,

    /// <summary>XDP_FLAGS_SKB_MODE: generic XDP after the socket buffer is built; works on every interface.</summary>
    Generic = 2,

    /// <summary>XDP_FLAGS_DRV_MODE: in the driver, before any allocation; needs driver support (veth, mlx5, i40e…).</summary>
    Native = 4,

    /// <summary>XDP_FLAGS_HW_MODE: offloaded to the NIC.</summary>
    Offload = 8,
}
