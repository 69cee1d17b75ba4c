//===- MainLoop.cpp - The kv-block loops and the warpgroups' turns --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The q-block streams its kv-blocks [0, kvEnd): causal blocks above the
// diagonal are never visited (the loop bound); with a window the steps
// start at its first block (kvBegin), so blocks left of it are neither
// loaded nor computed, and its masked left edge is a loop of its own. The blocks before maskStart
// need no mask (FlashAttention-2's split); the rest (the causal diagonal,
// a ragged last block, every block with a mask operand) run with the masks,
// in a second loop or, with masked_steps = branch, in the same loop under a
// block-uniform branch. With block lists (a mask pattern's global tokens or
// butterfly) the steps walk the q-block's list, its full blocks first: the
// split is the list's full count. The serial step is load, S, softmax, P V; the
// overlapped step (FlashAttention-3's intra-warpgroup overlap) issues S_j
// and P_{j-1} V_{j-1} and runs S_j's softmax while P V is in flight.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

//===----------------------------------------------------------------------===//
// Turns
//===----------------------------------------------------------------------===//

void Turns::setUp() {
  // Warpgroup i waits at named barrier 1 + i (bar.sync of its 128 threads)
  // for the previous warpgroup's 128 arrivals (bar.arrive), and arrives on
  // the next one's. The ids are warp-uniform, so each warp passes the
  // barrier as a whole.
  wgIndex = k.divc(k.tid, kWarpgroupThreads);
  auto i32 = [&](Value v) {
    return arith::IndexCastOp::create(k.b, k.b.getI32Type(), v);
  };
  pair = arith::ConstantIntOp::create(k.b, k.b.getI32Type(), 256);
  mine = i32(k.addc(wgIndex, 1));
  next = i32(k.addc(k.remc(k.addc(wgIndex, 1), k.t.warps / 4), 1));
}

void Turns::wait() {
  NVVM::BarrierOp::create(k.b, TypeRange{}, mine, pair,
                          /*reductionOp=*/{}, /*reductionPredicate=*/Value());
}

void Turns::pass() { NVVM::BarrierArriveOp::create(k.b, next, pair); }

void Turns::takeFirst() {
  k.ifThen(k.cmp(arith::CmpIPredicate::eq, wgIndex, k.idx(0)),
           [&] { NVVM::BarrierArriveOp::create(k.b, mine, pair); });
}

void Turns::passUnlessLast(Value block) {
  int64_t groups = k.t.warps / 4;
  k.ifThen(arith::OrIOp::create(
               k.b,
               k.cmp(arith::CmpIPredicate::ne, wgIndex, k.idx(groups - 1)),
               k.cmp(arith::CmpIPredicate::ne, block,
                     arith::SubIOp::create(k.b, k.kvEnd, k.one))),
           [&] { pass(); });
}

void Turns::passLast() {
  k.ifThen(
      k.cmp(arith::CmpIPredicate::ne, wgIndex, k.idx(k.t.warps / 4 - 1)),
      [&] { pass(); });
}

void Turns::waitUnlessFirst() {
  k.ifThen(k.cmp(arith::CmpIPredicate::ne, wgIndex, k.idx(0)),
           [&] { wait(); });
}

//===----------------------------------------------------------------------===//
// MainLoop
//===----------------------------------------------------------------------===//

void MainLoop::setUpMaskSplit() {
  // j < maskStart iff block j ends within Nk and (causal) its last key is
  // visible to the q-block's first row: (j + 1) * block_kv - 1 <= qBase +
  // Nk - Nq.
  if (k.blockList) {
    setUpListSplit();
    return;
  }
  ImplicitLocOpBuilder &b = k.b;
  maskStart = arith::DivUIOp::create(b, k.nk, k.idx(k.t.blockKV));
  if (k.causal) {
    Value firstRowEnd = k.addc(k.add(k.qBase, k.diagonal), 1);
    Value causalStart =
        arith::FloorDivSIOp::create(b, firstRowEnd, k.idx(k.t.blockKV));
    maskStart = arith::MinSIOp::create(b, maskStart, causalStart);
  }
  if (k.window) {
    setUpWindowSplit();
    return;
  }
  if (k.chunk) {
    setUpChunkSplit();
    return;
  }
  maskStart = arith::MaxSIOp::create(
      b, arith::MinSIOp::create(b, maskStart, k.kvEnd), k.idx(0));
  // A loop that static sizes leave empty is not built (non-causal with Nk a
  // multiple of block_kv has no masked block; Nk < block_kv no full one):
  // half the kernel, half the compile time. A mask operand applies to every
  // block: one masked loop.
  std::optional<int64_t> staticNk;
  if (!k.op.getKeyType().isDynamicDim(2))
    staticNk = k.op.getKeyType().getDimSize(2);
  bool mask = static_cast<bool>(k.op.getMask());
  if (mask)
    maskStart = k.idx(0);
  needFull = !mask && (k.causal || !staticNk || *staticNk >= k.t.blockKV);
  needMasked =
      mask || k.causal || !staticNk || *staticNk % k.t.blockKV != 0;
}

SmallVector<Value> MainLoop::splitBounds() const {
  SmallVector<Value> bounds;
  if (fullStart)
    bounds.push_back(fullStart);
  bounds.push_back(maskStart);
  return bounds;
}

void MainLoop::setCompactedSplit(ArrayRef<Value> countsBelow) {
  // The list is ascending: the dense steps below a bound are the list's
  // first countsBelow entries, so the loops and the branch compare steps of
  // the walk with the counts as they compared dense steps with the bounds.
  if (fullStart)
    fullStart = countsBelow.front();
  maskStart = countsBelow.back();
}

void MainLoop::setUpListSplit() {
  // Steps [0, listFull) are the list's full blocks, the rest its partial
  // ones; a mask operand applies to every block. A loop no q-block's list
  // needs is not built.
  bool mask = static_cast<bool>(k.op.getMask());
  maskStart = mask ? k.idx(0) : k.listFull;
  needFull = !mask && k.listsHaveFull;
  needMasked = mask || k.listsHavePartial;
}

void MainLoop::setUpWindowSplit() {
  // Steps [0, fullStart) and [maskStart, kvEnd) are masked, the full blocks
  // between them are not: block j is full iff its first key is in the
  // window of the q-block's last row (j * block_kv >= lastRow + Nk - Nq -
  // left) and its last key within Nk and in the window of the first row
  // (maskStart's bound so far; without causal, the window's right edge).
  ImplicitLocOpBuilder &b = k.b;
  if (!k.causal) {
    Value rowEnd =
        k.addc(k.add(k.qBase, k.diagonal), 1 + k.window.getRight());
    maskStart = arith::MinSIOp::create(
        b, maskStart,
        arith::FloorDivSIOp::create(b, rowEnd, k.idx(k.t.blockKV)));
  }
  Value lastLeft = k.addc(k.add(k.lastRow, k.diagonal), -k.window.getLeft());
  fullStart = arith::CeilDivSIOp::create(b, lastLeft, k.idx(k.t.blockKV));
  clampEdgeSplit();
}

void MainLoop::setUpChunkSplit() {
  // Block j is full iff every row and key of it is in one chunk (and, with
  // causal, left of the first row's diagonal: maskStart's bound so far): the
  // q-block's first and last rows in chunk c, and j's keys within
  // [c * C, (c + 1) * C). Rows across two chunks leave no full block.
  ImplicitLocOpBuilder &b = k.b;
  Value c = arith::FloorDivSIOp::create(b, k.add(k.qBase, k.diagonal),
                                        k.idx(k.chunk));
  Value lastC = arith::FloorDivSIOp::create(b, k.add(k.lastRow, k.diagonal),
                                            k.idx(k.chunk));
  Value chunkStart = k.mulc(c, k.chunk);
  fullStart = arith::CeilDivSIOp::create(b, chunkStart, k.idx(k.t.blockKV));
  Value chunkEnd = arith::FloorDivSIOp::create(b, k.addc(chunkStart, k.chunk),
                                               k.idx(k.t.blockKV));
  Value oneChunk = k.cmp(arith::CmpIPredicate::eq, c, lastC);
  maskStart = arith::SelectOp::create(
      b, oneChunk, arith::MinSIOp::create(b, maskStart, chunkEnd), fullStart);
  clampEdgeSplit();
}

void MainLoop::clampEdgeSplit() {
  ImplicitLocOpBuilder &b = k.b;
  // In steps from kvBegin, clamped: 0 <= fullStart <= maskStart <= kvEnd.
  fullStart = arith::MaxSIOp::create(
      b,
      arith::MinSIOp::create(
          b, arith::SubIOp::create(b, fullStart, k.kvBegin), k.kvEnd),
      k.idx(0));
  maskStart = arith::MaxSIOp::create(
      b,
      arith::MinSIOp::create(
          b, arith::SubIOp::create(b, maskStart, k.kvBegin), k.kvEnd),
      fullStart);
  bool mask = static_cast<bool>(k.op.getMask());
  if (mask) {
    fullStart = k.idx(0);
    maskStart = k.idx(0);
  }
  needFull = !mask;
  needMasked = true;
}

scf::ForOp MainLoop::buildSerialLoop(Value lb, Value ub, ValueRange init,
                                     bool masked, Value maskFrom) {
  ImplicitLocOpBuilder &b = k.b;
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp loop = k.openLoop(lb, ub, init);
  Value j = loop.getInductionVar();
  ValueRange state = loop.getRegionIterArgs();
  int64_t accs = k.mTiles * k.nTilesO;
  SmallVector<Value> acc(state.begin(), state.begin() + accs);
  SmallVector<Value> rowMax(state.begin() + accs,
                            state.begin() + accs + k.mTiles);
  SmallVector<Value> rowSum(state.begin() + accs + k.mTiles, state.end());

  Value slot = loads.beginStep(j);
  // A block the block mask skips is not computed (its slot was not
  // loaded): the state passes through. Block-uniform branch; the loads'
  // waits and releases above and below stay in every step.
  scf::IfOp skip;
  if (k.predicatesDeadBlocks()) {
    skip = scf::IfOp::create(b, state.getTypes(),
                             k.blockLive(k.keyBlock(j)),
                             /*withElseRegion=*/true);
    b.setInsertionPointToStart(&skip.getElseRegion().front());
    scf::YieldOp::create(b, state);
    b.setInsertionPointToStart(&skip.getThenRegion().front());
  }
  // With turns, the turn passes once S_j is issued: the next warpgroup's
  // wgmmas queue behind it while this one computes the softmax.
  SmallVector<Value> s = math.scores(
      slot, turns ? std::function<void()>([&] { turns->pass(); }) : nullptr);
  if (masked && maskFrom) {
    SmallVector<Type> types(s.size(), k.accType);
    Value needsMask = k.cmp(arith::CmpIPredicate::sge, j, maskFrom);
    if (fullStart)
      needsMask = arith::OrIOp::create(
          b, needsMask, k.cmp(arith::CmpIPredicate::slt, j, fullStart));
    auto branch = scf::IfOp::create(b, types, needsMask,
                                    /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard ifGuard(b);
      b.setInsertionPointToStart(&branch.getThenRegion().front());
      scf::YieldOp::create(b, softmax.maskScores(s, j));
      b.setInsertionPointToStart(&branch.getElseRegion().front());
      scf::YieldOp::create(b, s);
    }
    s.assign(branch.getResults().begin(), branch.getResults().end());
  } else if (masked) {
    s = softmax.maskScores(s, j);
  }
  OnlineSoftmax::Step step = softmax.step(s, rowMax, rowSum, acc);
  math.accumulatePV(
      acc, step.pFrags, slot,
      turns ? std::function<void()>([&] { turns->wait(); }) : nullptr);
  SmallVector<Value> yields(acc);
  yields.append(step.maxRows);
  yields.append(step.sums);
  if (skip) {
    scf::YieldOp::create(b, yields);
    b.setInsertionPointAfter(skip);
    yields.assign(skip.getResults().begin(), skip.getResults().end());
  }
  loads.endStep(j);
  scf::YieldOp::create(b, yields);
  return loop;
}

SmallVector<Value> MainLoop::buildSerial(SmallVector<Value> state) {
  if (k.schedule.branchesMaskedSteps() && needFull && needMasked) {
    scf::ForOp both = buildSerialLoop(k.idx(0), k.kvEnd, state,
                                      /*masked=*/true, /*maskFrom=*/maskStart);
    state.assign(both.getResults().begin(), both.getResults().end());
    return state;
  }
  // A window's masked left edge comes first.
  if (fullStart && needFull) {
    scf::ForOp edge = buildSerialLoop(k.idx(0), fullStart, state,
                                      /*masked=*/true);
    state.assign(edge.getResults().begin(), edge.getResults().end());
  }
  if (needFull) {
    scf::ForOp full = buildSerialLoop(
        fullStart ? fullStart : k.idx(0), needMasked ? maskStart : k.kvEnd,
        state, /*masked=*/false);
    state.assign(full.getResults().begin(), full.getResults().end());
  }
  if (needMasked) {
    scf::ForOp masked = buildSerialLoop(needFull ? maskStart : k.idx(0),
                                        k.kvEnd, state, /*masked=*/true);
    state.assign(masked.getResults().begin(), masked.getResults().end());
  }
  return state;
}

void MainLoop::keepSoftmaxBeforeWait(Value sums) {
  // The wait for P V starts a basic block: ptxas schedules within one and
  // would move the wait up to the first exponentials (the softmax would then
  // not overlap the wgmmas); it keeps the block order. The branch before it
  // is never taken (blockIdx.x < gridDim.x); its condition reads the row
  // sums, so LLVM keeps every exponential before it instead of sinking them
  // to their uses after the wait, through a warp vote: a divergent branch
  // there makes ptxas serialize the wgmmas. The branch runs a `nanosleep 0`
  // that ptxas cannot drop; a `trap` there made ptxas allocate the producer
  // kernel's consumers within the kernel's .maxnreg instead of their
  // setmaxnreg budget (1,280 bytes of spills).
  ImplicitLocOpBuilder &b = k.b;
  Value unordered = NVVM::VoteSyncOp::create(
      b, b.getI1Type(), arith::ConstantIntOp::create(b, b.getI32Type(), -1),
      arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, k.element(sums, 0),
                            k.element(sums, 1)),
      NVVM::VoteSyncKind::any);
  k.ifThen(arith::AndIOp::create(
               b,
               k.cmp(arith::CmpIPredicate::uge, k.launch.getBlockIds().x,
                     k.launch.getGridSize().x),
               unordered),
           [&] {
             LLVM::InlineAsmOp::create(b, TypeRange{}, ValueRange{},
                                       "nanosleep.u32 0;", "",
                                       /*has_side_effects=*/true,
                                       /*is_align_stack=*/false,
                                       LLVM::TailCallKind::None,
                                       LLVM::AsmDialectAttr(), ArrayAttr());
           });
}

scf::ForOp MainLoop::buildOverlapLoop(Value lb, Value ub, ValueRange init,
                                      bool masked) {
  // The loop state is the serial loop's plus P_{j-1}'s registers. Step j
  // frees K slot (j - 1) % stages (S_{j-1} was waited for) and V slot
  // (j - 2) % stages (P_{j-2} V_{j-2} too) once every warpgroup is past the
  // barrier, and thread 0 refills them with K_{j+stages-1} and
  // V_{j+stages-2}. With the producer each warp releases K slot j % stages
  // once S_j is done and V slot (j - 1) % stages once P_{j-1} V_{j-1} is,
  // on their empty mbarriers, and the producer refills them.
  ImplicitLocOpBuilder &b = k.b;
  TmaLoads &tma = *tmaLoads;
  WgmmaMath &wgmma = *wgmmaMath;
  int64_t stages = k.t.stages, nTilesO = k.nTilesO;
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp loop = k.openLoop(lb, ub, init);
  Value j = loop.getInductionVar();
  ValueRange state = loop.getRegionIterArgs();
  SmallVector<Value> acc(state.begin(), state.begin() + nTilesO);
  Value rowMax = state[nTilesO], rowSum = state[nTilesO + 1];
  SmallVector<Value> pRegs(state.begin() + nTilesO + 2, state.end());
  if (!k.producer) {
    gpu::BarrierOp::create(b);
    Value kAhead = k.addc(j, stages - 1), vAhead = k.addc(j, stages - 2);
    Value kSlot = k.remc(kAhead, stages), vSlot = k.remc(vAhead, stages);
    tma.loadKV(kAhead, kSlot, kSlot, /*withK=*/true, /*withV=*/false);
    tma.loadKV(vAhead, vSlot, tma.vBar(vSlot), /*withK=*/false,
               /*withV=*/true);
  }
  // S_j, then P_{j-1} V_{j-1}: two wgmma groups; the first is waited for,
  // the softmax runs while the second is in flight.
  Value prev = arith::SubIOp::create(b, j, k.one);
  Value prevSlot = k.remc(prev, stages);
  SmallVector<Value> vDescs =
      wgmma.pvDescriptors(wgmma.vDescriptor(prevSlot));
  Value kSlot = k.remc(j, stages);
  Value kDesc = wgmma.kDescriptor(kSlot);
  tma.waitFor(kSlot, k.remc(k.divc(j, stages), 2));
  // With turns, this warpgroup's turn covers the issue of S_j and
  // P_{j-1} V_{j-1} (block 0's S was the first turn).
  if (turns)
    turns->wait();
  Value scores = wgmma.issueScores(kDesc);
  tma.waitFor(tma.vBar(prevSlot), k.remc(k.divc(prev, stages), 2));
  SmallVector<Value> out = wgmma.issuePV(acc, pRegs, vDescs);
  if (turns)
    turns->passUnlessLast(j);
  NVVM::WgmmaWaitGroupSyncOp::create(b, 1);
  if (k.producer)
    tma.arriveEmpty(tma.emptyBar(kSlot));
  SmallVector<Value> sj = wgmma.scoreFragments(scores);
  if (masked)
    sj = softmax.maskScores(sj, j);
  OnlineSoftmax::Step step = softmax.step(sj, rowMax, rowSum, {});
  keepSoftmaxBeforeWait(step.sums[0]);
  NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
  if (k.producer)
    tma.arriveEmpty(tma.vEmptyBar(prevSlot));
  // P_j's 16-bit registers only after P V: they take P_{j-1}'s registers,
  // which the wgmmas still read.
  SmallVector<Value> nextP = wgmma.pRegisters(step.pFrags);
  SmallVector<Value> yields;
  wgmma.finishPV(acc, out);
  for (Value &a : acc)
    yields.push_back(arith::MulFOp::create(b, a, step.scales[0]));
  yields.append(step.maxRows);
  yields.append(step.sums);
  yields.append(nextP);
  scf::YieldOp::create(b, yields);
  return loop;
}

SmallVector<Value> MainLoop::buildOverlapped(ValueRange init) {
  ImplicitLocOpBuilder &b = k.b;
  TmaLoads &tma = *tmaLoads;
  WgmmaMath &wgmma = *wgmmaMath;
  int64_t nTilesO = k.nTilesO;
  // Block 0 (when the q-block sees any): its scores and softmax, with the
  // masks (whether it needs them or not); its P V is the next step's.
  Value any = k.cmp(arith::CmpIPredicate::sgt, k.kvEnd, k.idx(0));
  SmallVector<Value> pZero(
      k.t.blockKV / 4,
      arith::ConstantIntOp::create(b, b.getI32Type(), 0).getResult());
  SmallVector<Value> state(init);
  state.append(pZero);
  auto first = scf::IfOp::create(b, ValueRange(state).getTypes(), any,
                                 /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&first.getThenRegion().front());
    tma.waitFor(k.idx(0), k.idx(0));
    // With turns, block 0's S is a turn too (warpgroup 0 holds the first),
    // so the warpgroups' first softmaxes do not coincide.
    if (turns)
      turns->waitUnlessFirst();
    Value scores0 = wgmma.issueScores(wgmma.kDescriptor(k.idx(0)));
    if (turns)
      turns->passUnlessLast(k.idx(0));
    NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
    SmallVector<Value> fragments = wgmma.scoreFragments(scores0);
    SmallVector<Value> s0 = softmax.maskScores(fragments, k.idx(0));
    if (k.producer)
      tma.arriveEmpty(tma.emptyBar(k.idx(0)));
    OnlineSoftmax::Step step =
        softmax.step(s0, init[nTilesO], init[nTilesO + 1], {});
    SmallVector<Value> yields(init.begin(), init.begin() + nTilesO);
    yields.append(step.maxRows);
    yields.append(step.sums);
    yields.append(wgmma.pRegisters(step.pFrags));
    scf::YieldOp::create(b, yields);
    b.setInsertionPointToStart(&first.getElseRegion().front());
    scf::YieldOp::create(b, state);
  }
  state.assign(first.getResults().begin(), first.getResults().end());
  Value split = arith::MaxSIOp::create(b, maskStart, k.one);
  // A window's masked left edge (after block 0) comes first.
  Value fullFrom = k.one;
  if (fullStart && needFull) {
    fullFrom = arith::MaxSIOp::create(b, fullStart, k.one);
    scf::ForOp edge =
        buildOverlapLoop(k.one, fullFrom, state, /*masked=*/true);
    state.assign(edge.getResults().begin(), edge.getResults().end());
  }
  if (needFull) {
    scf::ForOp full = buildOverlapLoop(fullFrom, needMasked ? split : k.kvEnd,
                                       state, /*masked=*/false);
    state.assign(full.getResults().begin(), full.getResults().end());
  }
  if (needMasked) {
    scf::ForOp masked = buildOverlapLoop(needFull ? split : k.one, k.kvEnd,
                                         state, /*masked=*/true);
    state.assign(masked.getResults().begin(), masked.getResults().end());
  }
  // The last block's P V.
  SmallVector<Value> acc(state.begin(), state.begin() + nTilesO);
  auto last = scf::IfOp::create(b, ValueRange(acc).getTypes(), any,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&last.getThenRegion().front());
    Value lastBlock = arith::SubIOp::create(b, k.kvEnd, k.one);
    Value lastSlot = k.remc(lastBlock, k.t.stages);
    // One stage: the steps loaded V up to the one before; the slot is free
    // once every warpgroup is past its last P V.
    if (k.t.stages == 1 && !k.producer) {
      gpu::BarrierOp::create(b);
      tma.loadKV(lastBlock, lastSlot, tma.vBar(lastSlot), /*withK=*/false,
                 /*withV=*/true);
    }
    tma.waitFor(tma.vBar(lastSlot),
                k.remc(k.divc(lastBlock, k.t.stages), 2));
    SmallVector<Value> sum(acc);
    wgmma.wgmmaPV(sum, ArrayRef<Value>(state).drop_front(nTilesO + 2),
                  wgmma.vDescriptor(lastSlot));
    scf::YieldOp::create(b, sum);
    b.setInsertionPointToStart(&last.getElseRegion().front());
    scf::YieldOp::create(b, acc);
  }
  SmallVector<Value> results(last.getResults().begin(),
                             last.getResults().end());
  results.push_back(state[nTilesO]);
  results.push_back(state[nTilesO + 1]);
  return results;
}

SmallVector<Value> MainLoop::build(ValueRange init) {
  // Serial step with turns: warpgroup 0 takes the first turn (its own
  // arrivals complete its barrier), the others wait for theirs.
  if (turns && !k.overlap) {
    turns->takeFirst();
    turns->wait();
  }
  if (k.overlap)
    return buildOverlapped(init);
  SmallVector<Value> results = buildSerial(SmallVector<Value>(init));
  // The last turn passes on, except from the last warpgroup, whose next
  // (warpgroup 0) waits for no further turn.
  if (turns)
    turns->passLast();
  return results;
}
