// test/emu/detectors.cu — deliberately broken kernels for the CUDA emulator's checks (built only
// with TORCHLET_CUDA=EMU, as build/.../emu_detectors; run by test/emu/detectors.test.ts).
//   emu_detectors <case>   prints "ok" or "error <cudaErrorName>: <report>"; exit status 0 / 1.
// Cases: ok (a correct kernel using barriers, warp shuffles, ballot and dynamic shared memory, its
// results checked), uninit (reads shared memory no thread wrote), race (reads a neighbour's shared
// slot without __syncthreads), oob (stores one element past its allocation), uaf (loads from a
// freed device block), config (1025 threads per block).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cuda/common.cuh"

namespace tl {
namespace cuda {
namespace {

// Correct: y[b] = sum of x[b*256 .. b*256+255] by a shared tree and warp shuffles; ballot counts
// positive values; dynamic shared memory holds the inputs.
__global__ void good_kernel(const float* __restrict__ x, float* __restrict__ y, unsigned* __restrict__ pos) {
  __shared__ float part[8];
  float* in = dynamic_shared<float>();
  const int t = threadIdx.x;
  in[t] = x[blockIdx.x * 256 + t];
  __syncthreads();
  float v = in[255 - t];
  const unsigned vote = __ballot_sync(0xffffffffu, v > 0);
  for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
  if ((t & 31) == 0) {
    part[t >> 5] = v;
    atomicAdd(pos + blockIdx.x, unsigned(__popc(vote)));
  }
  __syncthreads();
  if (t == 0) {
    float s = 0;
    for (int w = 0; w < 8; ++w) s += part[w];
    y[blockIdx.x] = s;
  }
}

// Broken: only the first half of sh is written, every thread reads sh[t + 32].
__global__ void uninit_kernel(const float* __restrict__ x, float* __restrict__ y) {
  __shared__ float sh[64];
  const int t = threadIdx.x;
  sh[t] = x[t];
  __syncthreads();
  y[t] = sh[t] + sh[t + 32];
}

// Broken: the previous thread's slot is read with no barrier after the writes.
__global__ void race_kernel(const float* __restrict__ x, float* __restrict__ y) {
  __shared__ float sh[64];
  const int t = threadIdx.x;
  sh[t] = x[t];
  y[t] = t > 0 ? sh[t - 1] : 0.0f;
}

// Broken: the grid-stride bound is n + 1.
__global__ void oob_kernel(float* __restrict__ y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i <= n; i += gridDim.x * blockDim.x) y[i] = float(i);
}

__global__ void copy_kernel(const float* __restrict__ x, float* __restrict__ y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = x[i];
}

int report(cudaError_t e) {
  if (e == cudaSuccess) {
    std::printf("ok\n");
    return 0;
  }
  std::printf("error %s: %s\n", cudaGetErrorName(e), cudaGetErrorString(e));
  return 1;
}

template <typename T>
T* dev(size_t n) {
  void* p = nullptr;
  if (cudaMalloc(&p, n * sizeof(T)) != cudaSuccess) std::abort();
  return static_cast<T*>(p);
}

int run(const std::string& which) {
  std::vector<float> hx(1024);
  for (int i = 0; i < 1024; ++i) hx[i] = float((i * 37) % 11) - 5.0f;
  float* x = dev<float>(1024);
  float* y = dev<float>(64);
  cudaMemcpy(x, hx.data(), 1024 * sizeof(float), cudaMemcpyHostToDevice);
  if (which == "ok") {
    unsigned* pos = dev<unsigned>(4);
    cudaMemset(pos, 0, 4 * sizeof(unsigned));
    launch<good_kernel>(4u, 256u, 256 * sizeof(float), nullptr, x, y, pos);
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return report(e);
    float hy[4];
    unsigned hp[4];
    cudaMemcpy(hy, y, sizeof hy, cudaMemcpyDeviceToHost);
    cudaMemcpy(hp, pos, sizeof hp, cudaMemcpyDeviceToHost);
    for (int b = 0; b < 4; ++b) {
      float s = 0;
      unsigned c = 0;
      for (int i = 0; i < 256; ++i) s += hx[b * 256 + i], c += hx[b * 256 + i] > 0;
      if (s != hy[b] || c != hp[b]) {
        std::printf("wrong result in block %d: sum %g (expected %g), positives %u (expected %u)\n", b, hy[b], s, hp[b],
                    c);
        return 2;
      }
    }
    return report(cudaSuccess);
  }
  if (which == "uninit")
    launch<uninit_kernel>(1u, 32u, 0, nullptr, x, y);
  else if (which == "race")
    launch<race_kernel>(1u, 64u, 0, nullptr, x, y);
  else if (which == "oob")
    launch<oob_kernel>(1u, 64u, 0, nullptr, y, 64);
  else if (which == "uaf") {
    float* z = dev<float>(64);
    tl_cuda_emu_extent(z, 0);  // what the caching allocator reports when a block is freed
    launch<copy_kernel>(1u, 64u, 0, nullptr, z, y, 64);
  } else if (which == "config")
    launch<copy_kernel>(1u, 1025u, 0, nullptr, x, y, 64);
  else {
    std::printf("unknown case '%s'\n", which.c_str());
    return 2;
  }
  return report(cudaGetLastError());
}

}  // namespace
}  // namespace cuda
}  // namespace tl

int main(int argc, char** argv) { return tl::cuda::run(argc > 1 ? argv[1] : "ok"); }
