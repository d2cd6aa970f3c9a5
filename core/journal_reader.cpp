#include "journal_reader.h"

#include <cstring>
#include <memory>

#include "crc32.h"

namespace runlog::journal {

const char *stop_reason_name(StopReason reason) {
    switch (reason) {
        case StopReason::End: return "end";
        case StopReason::TornTail: return "torn-tail";
        case StopReason::Corrupt: return "corrupt";
        case StopReason::BadHeader: return "bad-header";
        case StopReason::IoError: return "io-error";
    }
    return "unknown";
}

bool Reader::fill_block(uint64_t block_start) {
    if (block_loaded_ && block_start_ == block_start) return true;
    block_.resize(kBlockSize);
    size_t got = 0;
    while (got < kBlockSize) {
        long long n = source_(block_start + got, reinterpret_cast<uint8_t *>(&block_[got]),
                              kBlockSize - got);
        if (n < 0) return false;
        if (n == 0) break;
        got += size_t(n);
    }
    block_.resize(got);
    block_start_ = block_start;
    block_loaded_ = true;
    return true;
}

uint64_t Reader::source_size() {
    // Walk forward block by block; only used on the error path.
    uint64_t size = block_start_ + block_.size();
    uint8_t buf[4096];
    for (;;) {
        long long n = source_(size, buf, sizeof buf);
        if (n <= 0) return size;
        size += uint64_t(n);
    }
}

bool Reader::rest_is_zero_or_missing(uint64_t from) {
    uint8_t buf[4096];
    uint64_t at = from;
    for (;;) {
        long long n = source_(at, buf, sizeof buf);
        if (n <= 0) return true;
        for (long long i = 0; i < n; ++i)
            if (buf[i] != 0) return false;
        at += uint64_t(n);
    }
}

bool Reader::stop(StopReason reason, uint64_t at, std::string detail) {
    done_ = true;
    summary_.reason = reason;
    summary_.stop_offset = at;
    summary_.detail = std::move(detail);
    if (reason != StopReason::IoError) {
        uint64_t size = source_size();
        summary_.bytes_after = size > at ? size - at : 0;
    }
    return false;
}

bool Reader::next(Record &out) {
    if (done_) return false;
    if (!header_checked_) {
        header_checked_ = true;
        if (!fill_block(0)) return stop(StopReason::IoError, 0, "cannot read the journal");
        if (block_.size() < kHeaderSize) {
            if (block_.empty())  // created, then the writer stopped before its header
                return stop(StopReason::TornTail, 0, "the journal is empty (the writer stopped before its header)");
            if (std::memcmp(block_.data(), kHeader, block_.size()) == 0)
                return stop(StopReason::TornTail, 0, "the journal header is incomplete");
            return stop(StopReason::BadHeader, 0, "not a runlog journal (bad magic)");
        }
        if (std::memcmp(block_.data(), kHeader, kHeaderSize - 1) != 0)
            return stop(StopReason::BadHeader, 0, "not a runlog journal (bad magic)");
        if (uint8_t(block_[kHeaderSize - 1]) != kFormatVersion)
            return stop(StopReason::BadHeader, 0,
                        "journal format version " + std::to_string(uint8_t(block_[kHeaderSize - 1])) +
                            " is not supported by this build (it reads version " +
                            std::to_string(kFormatVersion) + "); upgrade runlog");
        pos_ = kHeaderSize;
        summary_.good_offset = pos_;
    }

    std::string assembling;
    bool in_record = false;
    uint64_t record_start = 0;
    for (;;) {
        const uint64_t block_start = pos_ - pos_ % kBlockSize;
        if (!fill_block(block_start)) return stop(StopReason::IoError, pos_, "cannot read the journal");
        size_t in_block = size_t(pos_ - block_start);
        if (in_block >= block_.size()) {
            // End of data.
            if (block_.size() == kBlockSize) {  // exactly at a block boundary: more may follow
                pos_ = block_start + kBlockSize;
                if (!fill_block(pos_)) return stop(StopReason::IoError, pos_, "cannot read the journal");
                if (!block_.empty()) continue;
            }
            if (in_record)
                return stop(StopReason::TornTail, record_start,
                            "the journal ends inside a record (the writer stopped mid-record)");
            return stop(StopReason::End, pos_, "");
        }
        const size_t block_left = kBlockSize - in_block;
        if (block_left < kChunkHeaderSize) {  // trailer padding
            pos_ = block_start + kBlockSize;
            continue;
        }
        const size_t avail = block_.size() - in_block;
        const auto *p = reinterpret_cast<const uint8_t *>(block_.data()) + in_block;
        if (avail < kChunkHeaderSize)
            return stop(StopReason::TornTail, in_record ? record_start : pos_,
                        "the journal ends inside a chunk header");
        const uint32_t crc = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
                             uint32_t(p[3]) << 24;
        const size_t len = size_t(p[4]) | size_t(p[5]) << 8;
        const uint8_t type = p[6];
        const uint64_t chunk_at = pos_;
        auto bad = [&](const std::string &why) {
            const uint64_t at = in_record ? record_start : chunk_at;
            // Zeros or nothing after the failure point: the file was extended
            // but never filled (a crash), not damaged.
            if (rest_is_zero_or_missing(chunk_at))
                return stop(StopReason::TornTail, at, "the journal ends in zero-filled space");
            return stop(StopReason::Corrupt, at, why + " at offset " + std::to_string(chunk_at));
        };
        if (type < kFull || type > kLast) return bad("invalid chunk type " + std::to_string(type));
        if (len > block_left - kChunkHeaderSize)
            return bad("chunk length " + std::to_string(len) + " crosses a block boundary");
        if (len > avail - kChunkHeaderSize)
            return stop(StopReason::TornTail, in_record ? record_start : chunk_at,
                        "the journal ends inside a record (the writer stopped mid-record)");
        uint32_t actual = crc32_update(0, &type, 1);
        actual = crc32_update(actual, p + kChunkHeaderSize, len);
        if (actual != crc) return bad("checksum mismatch");
        const auto *payload = reinterpret_cast<const char *>(p + kChunkHeaderSize);
        pos_ += kChunkHeaderSize + len;
        switch (type) {
            case kFull:
                if (in_record) return bad("a new record starts inside another");
                assembling.assign(payload, len);
                record_start = chunk_at;
                break;
            case kFirst:
                if (in_record) return bad("a new record starts inside another");
                assembling.assign(payload, len);
                record_start = chunk_at;
                in_record = true;
                continue;
            case kMiddle:
                if (!in_record) return bad("a record continues without a start");
                assembling.append(payload, len);
                continue;
            case kLast:
                if (!in_record) return bad("a record ends without a start");
                assembling.append(payload, len);
                in_record = false;
                break;
        }
        if (assembling.empty()) {
            return bad("empty record");
        }
        out.kind = RecordKind(uint8_t(assembling[0]));
        out.json.assign(assembling, 1, std::string::npos);
        out.offset = record_start;
        summary_.records++;
        summary_.good_offset = pos_;
        return true;
    }
}

void Reader::continue_after_end() {
    if (!done_ || (summary_.reason != StopReason::End && summary_.reason != StopReason::TornTail)) return;
    if (!header_checked_ || summary_.good_offset == 0) {  // the header itself was incomplete
        header_checked_ = false;
    } else {
        pos_ = summary_.good_offset;
    }
    done_ = false;
    block_loaded_ = false;  // the last block may have grown
    summary_.reason = StopReason::End;
    summary_.detail.clear();
}

ByteSource memory_source(const std::string &bytes) {
    auto data = std::make_shared<std::string>(bytes);
    return [data](uint64_t offset, uint8_t *buf, size_t cap) -> long long {
        if (offset >= data->size()) return 0;
        size_t n = std::min<size_t>(cap, data->size() - size_t(offset));
        std::memcpy(buf, data->data() + offset, n);
        return (long long)n;
    };
}

}  // namespace runlog::journal
