#!/usr/bin/env bash
# bench/cuda_ncu.sh — Nsight Compute (ncu) counters for torchlet's CUDA GEMM kernels on a lent GPU: the
# kernels one bench/cuda_conv_shapes.js case launches (warm-up forward, forward, forward + input
# gradient, forward + weight gradient, then the three plain matrix products), one pass each: speed of
# light, occupancy, launch statistics, instruction mix (FFMA against all), local-memory (spill) traffic
# and the warp stall reasons per issued instruction -> $OUT/ncu-<case>.txt.
#   GPU_NCU_CASE='resnet18 l3 256' bash bench/gpu.sh ncu      (bench/gpu.sh sets up Node and the addon)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-out}
case_re=${1:-resnet18 l3 256}
name=$(echo "$case_re" | tr -c 'a-zA-Z0-9\n' '_')
stalls=$(for s in long_scoreboard short_scoreboard mio_throttle lg_throttle barrier math_pipe_throttle wait not_selected \
  dispatch_stall no_instruction tex_throttle branch_resolving imc_miss misc; do
  printf 'smsp__average_warps_issue_stalled_%s_per_issue_active.ratio,' "$s"; done)
metrics="${stalls}smsp__inst_executed.sum,smsp__sass_inst_executed_op_ffma_pred_on.sum,sm__sass_thread_inst_executed_op_ffma_pred_on.sum"
metrics="$metrics,l1tex__t_sectors_pipe_lsu_mem_local_op_ld.sum,l1tex__t_sectors_pipe_lsu_mem_local_op_st.sum"
metrics="$metrics,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum"
ncu --target-processes all -k regex:'gemm_kernel|splitk' --launch-count "${GPU_NCU_COUNT:-12}" \
  --section SpeedOfLight --section Occupancy --section LaunchStats --section SchedulerStats \
  --metrics "$metrics" \
  node bench/cuda_conv_shapes.js --child --only "$case_re" --reps 1 --warmup 0 > "$OUT/ncu-$name.txt" 2>&1
echo "ncu exit $?"
grep -E '^  [a-z_ ]*(gemm_kernel|splitk)|Duration|Compute \(SM\) Throughput|Registers Per|Achieved Occupancy|Waves Per SM|inst_executed|stalled|local_op|bank_conflicts' "$OUT/ncu-$name.txt" |
  sed -E 's/smsp__average_warps_issue_stalled_//; s/_per_issue_active.ratio//; s/^(  void )?([a-z_]*<[^,]*, [^,]*, [^,]*,).{0,0}/\2/' | cut -c1-160 | head -${GPU_NCU_LINES:-400}
