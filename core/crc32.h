// CRC-32/IEEE (the zlib polynomial), as used by W&B's .wandb journal framing.
#pragma once
#include <cstddef>
#include <cstdint>

namespace runlog {

// Continues a CRC: crc32(crc32(0, a), b) == crc32(0, a+b).
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

inline uint32_t crc32(const void *data, size_t len) { return crc32_update(0, data, len); }

}  // namespace runlog
