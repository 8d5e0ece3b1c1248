/*
 * jitpc's DSDT, compiled with iasl at build time and embedded in the firmware (bios/meson.build).
 *
 * It describes only what an OS cannot find without ACPI once ACPI is on: the S5 sleep type for
 * power-off and the PCI root bridge (Linux skips its legacy PCI scan when ACPI is enabled), plus
 * the ISA devices behind the PIIX3 so PnP drivers bind to them.
 *
 * The DSDT is static, so the PCI memory window cannot follow -m: it is fixed at
 * 0xE0000000-0xFEBFFFFF, above the largest RAM the machine maps below 4 GiB, and below the
 * IO-APIC/BIOS alias region.
 */
DefinitionBlock ("", "DSDT", 1, "JITPC", "JITPCDSD", 1)
{
    /* SLP_TYP 5 is what devices/acpi_pm.h decodes as S5 (AcpiPm::SLP_TYP_S5). */
    Name (_S5, Package (4) { 5, 5, 0, 0 })

    /*
     * The interrupt model the OS chose: 0 the 8259s, 1 the I/O APIC (which exists only where
     * the MADT describes it). _PRT answers for the model last set.
     */
    Name (PICM, 0)
    Method (_PIC, 1, NotSerialized)
    {
        PICM = Arg0
    }

    Scope (\_SB)
    {
        Device (PCI0)
        {
            /* No _ADR: a device has either a _HID or an _ADR, and the root bridge needs _HID. */
            Name (_HID, EisaId ("PNP0A03"))
            Name (_BBN, 0)
            Name (_UID, 0)
            Name (_CRS, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                /* The configuration ports themselves belong to the bridge. */
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable,
                    ReadWrite, 0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable,
                    ReadWrite, 0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000, 0x1EC00000)
            })

            /*
             * PCI interrupt routing, the same fact as bios/pci_routing.h (POST programs the PIIX3
             * PIRQ route registers from it): slot S pin P (0 = INTA) drives PIRQ[(S + P) mod 4],
             * PIRQ A and B are IRQ 10, C and D IRQ 11 at the 8259s; at the I/O APIC PIRQ n is
             * pin 16 + n (level, active low: the ACPI default for a _PRT GSI). Fixed GSIs
             * (source 0), no link devices: the routing never changes.
             */
            Method (_PRT, 0, NotSerialized)
            {
                Local0 = Package (0x80) {}
                Local1 = Zero
                While (Local1 < 0x80)
                {
                    Local2 = Local1 >> 2
                    Local3 = Local1 & 3
                    Local4 = 11
                    If (PICM)
                    {
                        Local4 = 16 + ((Local2 + Local3) & 3)
                    }
                    ElseIf (((Local2 + Local3) & 3) < 2)
                    {
                        Local4 = 10
                    }
                    Local5 = Package (4) { Zero, Zero, Zero, Zero }
                    Local5[0] = (Local2 << 16) | 0xFFFF
                    Local5[1] = Local3
                    Local5[3] = Local4
                    Local0[Local1] = Local5
                    Local1++
                }
                Return (Local0)
            }

            /* PIIX3 function 0 (PCI device 1). */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
                        IRQNoFlags () {1}
                    })
                }

                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, 1)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                        IRQNoFlags () {4}
                    })
                }

                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                        IRQNoFlags () {8}
                    })
                }
            }
        }
    }
}
